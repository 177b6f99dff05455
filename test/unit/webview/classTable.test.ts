import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ClassReport } from '../../../src/protocol/report';
import { columns, csvField, emptyFilter, filterRows, nextSort, sortRows, toCsv, visibleRange } from '../../../webview/dashboard/model/classTable';
import { formatCount, formatDeltaPp, formatNumber, formatPercent, safeFileName } from '../../../webview/dashboard/model/format';
import { makeReport } from '../../fixtures/makeReport';

function cls(index: number, name: string, trainCount: number, accuracy: number | null, bucket: ClassReport['bucket'] = 'many'): ClassReport {
  return { index, name, trainCount, prior: trainCount / 100, bucket, evalCount: accuracy === null ? 0 : 10, accuracy, precision: null, f1: null, predictedCount: 3, weightNorm: null, bias: null, tightness: null };
}

const classes = [cls(0, 'cat', 50, 0.5), cls(1, 'Dog', 30, null, 'medium'), cls(2, 'class10', 30, 0.9, 'few'), cls(3, 'class9', 5, 0.1, 'few')];

describe('per-class table view model', () => {
  it('sorts numbers both ways, nulls last either way, ties by class index', () => {
    assert.deepEqual(sortRows(classes, [0, 1, 2, 3], { key: 'accuracy', dir: 'desc' }), [2, 0, 3, 1]);
    assert.deepEqual(sortRows(classes, [0, 1, 2, 3], { key: 'accuracy', dir: 'asc' }), [3, 0, 2, 1]);
    assert.deepEqual(sortRows(classes, [3, 2, 1, 0], { key: 'trainCount', dir: 'desc' }), [0, 1, 2, 3]);
  });

  it('sorts names case-insensitively and numerically (class9 < class10)', () => {
    assert.deepEqual(sortRows(classes, [0, 1, 2, 3], { key: 'name', dir: 'asc' }).map((i) => classes[i].name), ['cat', 'class9', 'class10', 'Dog']);
  });

  it('sorts buckets in many, medium, few order', () => {
    assert.deepEqual(sortRows(classes, [3, 2, 1, 0], { key: 'bucket', dir: 'asc' }), [0, 1, 2, 3]);
  });

  it('filters by name substring, #index, bucket and accuracy ceiling', () => {
    assert.deepEqual(filterRows(classes, emptyFilter), [0, 1, 2, 3]);
    assert.deepEqual(filterRows(classes, { ...emptyFilter, text: 'CLASS' }), [2, 3]);
    assert.deepEqual(filterRows(classes, { ...emptyFilter, text: '#1' }), [1]);
    assert.deepEqual(filterRows(classes, { ...emptyFilter, bucket: 'few' }), [2, 3]);
    assert.deepEqual(filterRows(classes, { ...emptyFilter, maxAccuracy: 0.5 }), [0, 3], 'absent classes never pass a ceiling');
  });

  it('toggles the sort direction on the same column; numbers start descending', () => {
    assert.deepEqual(nextSort({ key: 'accuracy', dir: 'desc' }, 'accuracy'), { key: 'accuracy', dir: 'asc' });
    assert.deepEqual(nextSort({ key: 'accuracy', dir: 'desc' }, 'trainCount'), { key: 'trainCount', dir: 'desc' });
    assert.deepEqual(nextSort({ key: 'accuracy', dir: 'desc' }, 'name'), { key: 'name', dir: 'asc' });
  });

  it('escapes CSV fields (RFC 4180) and defuses spreadsheet formulas', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvField('+1'), "'+1");
    assert.equal(csvField('@cmd'), "'@cmd");
    assert.equal(csvField(-1.5), '-1.5', 'numbers are never prefixed');
    assert.equal(csvField(null), '');
    assert.equal(csvField(Number.NaN), '');
  });

  it('writes CSV with a header, CRLF and one line per row, round-tripping hostile names', () => {
    const report = makeReport({ numClasses: 10 });
    const csv = toCsv(report.classes, [0, 1, 2]);
    const lines = csv.split('\r\n');
    assert.equal(lines.length, 5);
    assert.equal(lines[4], '');
    assert.match(lines[0], /^index,name,bucket,trainCount/);
    assert.equal(lines[0].split(',').length, 18);
    const tricky = makeReport({ numClasses: 10 }).classes.filter((c) => /[",]/.test(c.name));
    assert.ok(tricky.length > 0);
    for (const c of tricky) assert.ok(toCsv([c], [0]).includes(`"${(/^[=+\-@]/.test(c.name) ? "'" : '') + c.name.replace(/"/g, '""')}"`));
  });

  it('computes the virtual window with overscan and clamps at both ends', () => {
    assert.deepEqual(visibleRange(0, 260, 26, 8142, 8), { start: 0, end: 19 });
    assert.deepEqual(visibleRange(26 * 1000, 260, 26, 8142, 8), { start: 992, end: 1019 });
    assert.deepEqual(visibleRange(26 * 9000, 260, 26, 8142, 8), { start: 8133, end: 8142 });
    assert.deepEqual(visibleRange(0, 260, 26, 0), { start: 0, end: 0 });
    assert.deepEqual(visibleRange(0, 260, 26, 3, 8), { start: 0, end: 3 });
  });

  it('has one formatter per column that never throws on missing data', () => {
    for (const c of columns) assert.equal(typeof c.format(classes[1]), 'string');
  });

  it('sorts 8,142 classes fast (< 300 ms, cold JIT)', () => {
    const report = makeReport({ numClasses: 8142 });
    const t0 = performance.now();
    const rows = sortRows(report.classes, filterRows(report.classes, emptyFilter), { key: 'accuracy', dir: 'asc' });
    const ms = performance.now() - t0;
    assert.equal(rows.length, 8142);
    assert.ok(ms < 300, `${ms} ms`);
  });
});

describe('formatters', () => {
  it('formats percentages, deltas, numbers and counts; null is an em dash', () => {
    assert.equal(formatPercent(0.1234), '12.3%');
    assert.equal(formatPercent(null), '—');
    assert.equal(formatDeltaPp(0.012), '+1.2 pp');
    assert.equal(formatDeltaPp(-0.004), '−0.4 pp');
    assert.equal(formatDeltaPp(0.00001), '±0.0 pp');
    assert.equal(formatNumber(1.23456, 3), '1.235');
    assert.equal(formatNumber(0.00001234), '1.23e-5');
    assert.equal(formatCount(8142), '8,142');
  });

  it('makes safe file names', () => {
    assert.equal(safeFileName('../../etc/passwd'), '_.._etc_passwd'.replace(/^\.+/, ''));
    assert.equal(safeFileName('<img src=x>.csv'), '_img src=x_.csv');
    assert.equal(safeFileName(''), 'report');
    assert.ok(!/[/\\<>:"|?*]/.test(safeFileName('a/b\\c:d*e?f"g<h>i|j')));
  });
});
