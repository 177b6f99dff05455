// Input checks of buildReport: every user-caused problem is a LongtailError with a stable code.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildReport, buildReportAsync } from '../../../src/engine/analysis/buildReport';
import { assertFinite } from '../../../src/engine/analysis/validateInput';
import type { DiagnosticsInput } from '../../../src/engine/analysis/types';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { provenance } from './helpers';

const base: DiagnosticsInput = {
  numClasses: 3,
  logits: new Float32Array([1, 0, 0, 0, 1, 0]),
  labels: [0, 1],
  trainCounts: [10, 5, 1],
  embeddings: new Float32Array([1, 0, 0, 1]),
  head: { weight: new Float32Array([1, 0, 0, 1, 1, 1]), bias: new Float32Array([0, 0, 0]) },
};

function rejects(input: DiagnosticsInput, code: string, pattern: RegExp): void {
  assert.throws(
    () => buildReport(input, provenance),
    (e: unknown) => e instanceof LongtailError && e.code === code && pattern.test(e.message) && !e.message.includes('\n'),
  );
}

describe('buildReport input checks', () => {
  it('accepts the base input', () => {
    assert.equal(buildReport(base, provenance).summary.evalExamples, 2);
  });
  it('INVALID_OPTION: a confusion-matrix limit above 2000 (C² cells), whoever passes it', () => {
    assert.throws(
      () => buildReport(base, provenance, { confusionMatrixLimit: 2001 }),
      (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidOption && /confusionMatrixLimit must be an integer ≥ 0 and ≤ 2000, got 2001/.test(e.message),
    );
    assert.equal(buildReport(base, provenance, { confusionMatrixLimit: 2000 }).summary.evalExamples, 2);
  });
  it('SHAPE_MISMATCH: logits, counts, names, embeddings vs head, bias', () => {
    rejects({ ...base, logits: new Float32Array(5) }, ErrorCode.ShapeMismatch, /logits have 5 values, expected N·C = 2·3 = 6/);
    rejects({ ...base, trainCounts: [1, 2] }, ErrorCode.ShapeMismatch, /trainCounts has 2 entries, expected C = 3/);
    rejects({ ...base, classNames: ['a'] }, ErrorCode.ShapeMismatch, /classNames/);
    rejects({ ...base, embeddings: new Float32Array(3) }, ErrorCode.ShapeMismatch, /not a multiple of N = 2/);
    rejects({ ...base, embeddings: new Float32Array(6) }, ErrorCode.ShapeMismatch, /embeddings have D = 3 but the classifier weight is \[3, 2\]/);
    rejects({ ...base, head: { weight: new Float32Array(7) } }, ErrorCode.ShapeMismatch, /not a multiple of C = 3/);
    rejects({ ...base, head: { weight: new Float32Array(6), bias: new Float32Array(2) } }, ErrorCode.ShapeMismatch, /bias has 2 values/);
    rejects({ ...base, numClasses: 0 }, ErrorCode.ShapeMismatch, /numClasses/);
  });
  it('INVALID_LABELS: negative, too large, non-integer', () => {
    rejects({ ...base, labels: [0, -1] }, ErrorCode.InvalidLabels, /label -1 at example 1/);
    rejects({ ...base, labels: [3, 0] }, ErrorCode.InvalidLabels, /label 3 at example 0 is not an integer in \[0, 3\)/);
    rejects({ ...base, labels: [0.5, 0] }, ErrorCode.InvalidLabels, /label 0.5/);
  });
  it('NON_FINITE: NaN / Inf in logits, embeddings, weights', () => {
    rejects({ ...base, logits: new Float32Array([1, NaN, 0, 0, 1, 0]) }, ErrorCode.NonFinite, /logits contains NaN at flat index 1/);
    rejects({ ...base, logits: new Float64Array([1, 0, 0, 0, 1, -Infinity]) }, ErrorCode.NonFinite, /-Infinity/);
    rejects({ ...base, embeddings: new Float32Array([1, Infinity, 0, 1]) }, ErrorCode.NonFinite, /embeddings contains Infinity/);
    rejects({ ...base, head: { weight: new Float32Array([1, 0, 0, NaN, 1, 1]) } }, ErrorCode.NonFinite, /classifier weight/);
  });
  it('NON_FINITE: the blockwise scan names the first offender wherever it lies (block edges, unrolled tail, ±Inf pairs)', () => {
    const len = 3 * 4096 + 7;
    for (const at of [0, 3, 4095, 4096, 8190, 3 * 4096 + 1, len - 1]) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const v = Float64Array.from({ length: len }, (_, i) => (i % 5) - 2 + 1e300 * (i % 2));
        v[at] = bad;
        if (at + 1 < len) v[at + 1] = -bad; // a later offender (and Inf next to −Inf) must not mask the first
        assert.throws(() => assertFinite(v, 'x'), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.NonFinite && e.message === `x contains ${String(bad)} at flat index ${at}`);
        assert.throws(() => assertFinite(Float32Array.from(v.map((x) => (Number.isFinite(x) ? x % 3 : x))), 'x'), new RegExp(`at flat index ${at}$`));
      }
    }
    assert.doesNotThrow(() => assertFinite(Float64Array.from({ length: len }, (_, i) => (i % 2 ? -1.7e308 : 1.7e308)), 'x'));
    assert.doesNotThrow(() => assertFinite(new Float32Array(0), 'x'));
  });
  it('EMPTY_DATASET: no eval examples', () => {
    rejects({ ...base, labels: [], logits: new Float32Array(0), embeddings: null }, ErrorCode.EmptyDataset, /no examples/);
  });
  it('INVALID_OPTION: negative, fractional, all-zero or beyond-2^53 train counts', () => {
    rejects({ ...base, trainCounts: [1, -1, 2] }, ErrorCode.InvalidOption, /train count of class 1 is -1/);
    rejects({ ...base, trainCounts: [1, 1.5, 2] }, ErrorCode.InvalidOption, /1.5/);
    rejects({ ...base, trainCounts: [0, 0, 0] }, ErrorCode.InvalidOption, /all train counts are 0/);
    rejects({ ...base, trainCounts: [1e300, 1, 1] }, ErrorCode.InvalidOption, /train counts sum to 1e\+300, more than 2\^53 − 1/);
    rejects({ ...base, trainCounts: [2 ** 52, 2 ** 52, 0] }, ErrorCode.InvalidOption, /more than 2\^53 − 1/);
  });
});

describe('buildReportAsync', () => {
  it('gives the same report as buildReport and reports every stage', async () => {
    const stages: string[] = [];
    const a = await buildReportAsync(base, provenance, { createdAt: 't', onStage: (s) => stages.push(s) });
    assert.deepEqual(a, buildReport(base, provenance, { createdAt: 't' }));
    assert.equal(stages[0], 'validate');
    assert.equal(stages[stages.length - 1], 'assemble');
    assert.ok(stages.some((s) => s.startsWith('tauNormalisation')));
  });
  it('stops with CANCELLED between stages', async () => {
    const signal = { isCancellationRequested: false };
    const run = buildReportAsync(base, provenance, {
      signal,
      onStage: (s) => {
        if (s === 'argmax+softmax') {
          signal.isCancellationRequested = true;
        }
      },
    });
    await assert.rejects(run, (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.Cancelled);
  });
  it('rejects invalid input with the same typed errors', async () => {
    await assert.rejects(buildReportAsync({ ...base, labels: [0, 9] }, provenance), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidLabels);
  });
});
