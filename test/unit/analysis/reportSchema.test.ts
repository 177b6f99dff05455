// report.schema.json (draft-07) matches the report buildReport writes, and rejects broken reports.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { buildReport } from '../../../src/engine/analysis/buildReport';
import { validateReportSchema } from '../../../src/protocol/generated/reportValidator';
import { provenance, randomProblem } from './helpers';

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'src', 'protocol', 'report.schema.json'), 'utf8')) as object;
// Strict mode, with union types such as ["number", "null"] allowed (the options of the shipped, generated
// validator, which is checked next to it: see scripts/reportValidatorSource.ts).
const validate = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);

function roundTrip(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

describe('report.schema.json', () => {
  const p = randomProblem(5, 300, 12, 6, 1);
  const full = buildReport(
    { numClasses: p.c, logits: p.logits, labels: p.labels, trainCounts: p.trainCounts, classNames: p.trainCounts.map((_, y) => `<b>${y}</b>`), embeddings: p.embeddings, head: { weight: p.weight, bias: p.bias } },
    { ...provenance, model: { ...provenance.model, sha256: 'ab'.repeat(32), embeddingDim: 6 } },
  );
  const bare = buildReport({ numClasses: p.c, logits: p.logits, labels: p.labels, trainCounts: p.trainCounts }, provenance, { confusionMatrixLimit: 5 });

  it('accepts a full report (head, embeddings, matrix) and a bare one (nulls everywhere allowed)', () => {
    for (const r of [full, bare]) {
      const ok = validate(roundTrip(r));
      assert.ok(ok, JSON.stringify(validate.errors, null, 1));
      assert.ok(validateReportSchema(roundTrip(r)), JSON.stringify(validateReportSchema.errors));
    }
    assert.equal(bare.projection, null);
    assert.equal(bare.confusion.matrix, null);
  });

  it('rejects mutated reports', () => {
    const mutations: [string, (r: Record<string, unknown>) => void][] = [
      ['missing summary', (r) => delete r.summary],
      ['wrong schemaVersion', (r) => (r.schemaVersion = 2)],
      ['extra top-level field', (r) => (r.extra = true)],
      ['bucket name', (r) => ((r.classes as Record<string, unknown>[])[0].bucket = 'head')],
      ['accuracy > 1', (r) => ((r.classes as Record<string, unknown>[])[0].accuracy = 1.5)],
      ['string balanced error', (r) => ((r.summary as Record<string, unknown>).balancedError = '0.3')],
      ['null ece', (r) => ((r.calibration as Record<string, unknown>).ece = null)],
      ['projection method', (r) => ((r.projection as Record<string, unknown>).method = 'tsne')],
      ['2×3 bucket matrix', (r) => ((r.confusion as Record<string, unknown>).buckets = [[1, 2, 3], [4, 5, 6]])],
      ['tightness field missing', (r) => delete ((r.classes as Record<string, unknown>[])[0].tightness as Record<string, unknown>).ratio],
    ];
    for (const [what, mutate] of mutations) {
      const r = roundTrip(full);
      mutate(r);
      assert.equal(validate(r), false, `${what} should fail validation`);
      assert.equal(validateReportSchema(r), false, `${what} should fail the generated validator`);
    }
  });

  it('lists exactly the fields of report.ts at the top level and per class', () => {
    const s = schema as { required: string[]; definitions: { classReport: { required: string[]; properties: Record<string, unknown> } } };
    assert.deepEqual([...s.required].sort(), Object.keys(full).sort());
    // A class has every property the schema knows (the drill-down and AP fields are optional for older reports).
    assert.deepEqual(Object.keys(s.definitions.classReport.properties).sort(), Object.keys(full.classes[0]).sort());
    const optional = ['averagePrecision', 'examples', 'prCurve'];
    assert.deepEqual([...s.definitions.classReport.required].sort(), Object.keys(full.classes[0]).filter((k) => !optional.includes(k)).sort());
  });
});
