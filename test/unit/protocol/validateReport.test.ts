// validateReport / parseReport: the one report check (generated from report.schema.json) accepts real
// reports and names the file and the first wrong field, as a JSON Pointer, in one INVALID_FILE line.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import type { Report } from '../../../src/protocol/report';
import { parseReport, validateReport } from '../../../src/protocol/validateReport';
import { hostileNames, makeReport } from '../../fixtures/makeReport';

type Json = Record<string, unknown> & { classes: Record<string, unknown>[]; summary: Record<string, unknown>; data: Record<string, unknown> };

function copy(report: Report): Json {
  return JSON.parse(JSON.stringify(report)) as Json;
}

/** The error validateReport throws for `value`, checked for code, file and a single line. */
function rejection(value: unknown, file = '/ws/.longtail/runs/x/report.json'): LongtailError {
  try {
    validateReport(value, file);
  } catch (error) {
    assert.ok(error instanceof LongtailError, `expected a LongtailError, got ${String(error)}`);
    assert.equal(error.code, ErrorCode.InvalidFile);
    assert.equal(error.file, file);
    assert.ok(!error.message.includes('\n'), `one line: ${JSON.stringify(error.message)}`);
    assert.ok(error.message.startsWith(`${file} is not a valid Long-Tail Lens report: `), error.message);
    return error;
  }
  assert.fail('validateReport accepted an invalid report');
}

describe('validateReport', () => {
  const report = makeReport({ numClasses: 12 });

  it('returns valid reports unchanged (with and without head, embeddings and confusion matrix)', () => {
    for (const r of [report, makeReport({ numClasses: 7, head: 'none', embeddings: false }), makeReport({ numClasses: 150, matrixLimit: 100, variant: 'after' })]) {
      const value = copy(r);
      assert.equal(validateReport(value, 'r.json'), value);
    }
    assert.ok(report.classes.some((c) => (hostileNames as readonly string[]).includes(c.name)), 'the fixture carries hostile class names');
  });

  it('names the first wrong field as a JSON Pointer and says what is wrong', () => {
    const cases: [string, (r: Json) => void, string][] = [
      ['a wrong enum value', (r) => (r.classes[3].bucket = 'head'), '/classes/3/bucket must be one of "many", "medium", "few" (found string "head")'],
      ['a string for a number', (r) => (r.summary.balancedError = '0.3'), '/summary/balancedError must be number (found string "0.3")'],
      ['a number out of range', (r) => (r.classes[0].accuracy = 1.5), '/classes/0/accuracy must be <= 1 (found number 1.5)'],
      ['a missing nested field', (r) => delete (r.classes[2].tightness as Record<string, unknown>).ratio, '/classes/2/tightness/ratio is missing'],
      ['a missing top-level field', (r) => delete (r as Record<string, unknown>).summary, '/summary is missing'],
      ['an unknown field', (r) => (r.summary.extra = true), '/summary/extra is not a field of a version 1 report'],
      ['no classes', (r) => (r.classes = []), '/classes must have at least 1 item (found an array of 0)'],
      ['neither a data source nor null', (r) => (r.data.train = 'train.npz'), '/data/train must be object or null (found string "train.npz")'],
      ['a wrong field inside a union branch', (r) => (r.data.train = { ...(r.data.eval as object), examples: -1 }), '/data/train/examples must be >= 0 (found integer -1)'],
    ];
    for (const [what, mutate, expected] of cases) {
      const r = copy(report);
      mutate(r);
      const error = rejection(r);
      assert.equal(error.message.slice(error.message.indexOf(': ') + 2), expected, what);
    }
  });

  it('reports the first of several errors, in document order', () => {
    const r = copy(report);
    r.classes[1].bucket = 'tail';
    r.classes[5].accuracy = -1;
    assert.match(rejection(r).message, /: \/classes\/1\/bucket must be one of/);
  });

  it('gives another schemaVersion and non-objects their own message', () => {
    assert.match(rejection({ ...copy(report), schemaVersion: 2, newField: [] }).message, /: \/schemaVersion must be 1: this version of Long-Tail Lens cannot read schemaVersion 2$/);
    assert.match(rejection([], 'r.json').message, /^r\.json is not a valid Long-Tail Lens report: the top level must be object \(found an array of 0\)$/);
    assert.match(rejection(null, 'r.json').message, /the top level must be object \(found null\)$/);
    assert.match(rejection({}, 'r.json').message, /: \/schemaVersion is missing$/);
  });

  it('keeps untrusted keys and values on one line and short', () => {
    const r = copy(report);
    (r.classes[0] as Record<string, unknown>)[`evil\nkey${'x'.repeat(500)}`] = 1;
    const message = rejection(r).message;
    assert.match(message, /\/classes\/0\/evil\\u000akeyx+… is not a field/);
    assert.ok(message.length < 250, message);
    const s = copy(report);
    s.classes[0].name = 12;
    s.classes[1].bucket = `${'y'.repeat(300)}\n`;
    assert.match(rejection(s).message, /\/classes\/0\/name must be string \(found integer 12\)$/);
  });
});

describe('parseReport', () => {
  it('parses and validates report text', () => {
    assert.equal(parseReport(JSON.stringify(report()), 'r.json').summary.numClasses, 4);
    assert.equal(parseReport(`\ufeff${JSON.stringify(report())}`, 'bom.json').classes.length, 4);
  });

  it('turns invalid JSON and invalid reports into INVALID_FILE naming the file', () => {
    assert.throws(() => parseReport('{"schemaVersion": 1,', 'bad.json'), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidFile && /^bad\.json is not valid JSON: /.test(e.message));
    assert.throws(() => parseReport(' \n', 'empty.json'), /^LongtailError: empty\.json is empty, not a report\.json$/);
    assert.throws(() => parseReport('{"schemaVersion": 1}', 'short.json'), /^LongtailError: short\.json is not a valid Long-Tail Lens report: \/createdAt is missing$/);
  });

  function report(): Report {
    return makeReport({ numClasses: 4 });
  }
});
