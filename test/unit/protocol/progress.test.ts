import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { makeSnapshot } from '../../../src/protocol/progress';

describe('makeSnapshot', () => {
  it('computes elapsed time and a linear ETA', () => {
    // 25 of 100 batches in 2 s → 6 s left.
    const s = makeSnapshot('t1', 'forward pass', 25, 100, 1000, 3000, 'batch 25');
    assert.deepEqual(s, { token: 't1', phase: 'forward pass', done: 25, total: 100, elapsedMs: 2000, etaMs: 6000, message: 'batch 25' });
  });

  it('has no ETA before the first unit or when the total is unknown', () => {
    assert.equal(makeSnapshot('t', 'p', 0, 10, 0, 500).etaMs, null);
    assert.equal(makeSnapshot('t', 'p', 3, null, 0, 500).etaMs, null);
  });

  it('never reports negative times', () => {
    const s = makeSnapshot('t', 'p', 12, 10, 1000, 900);
    assert.equal(s.elapsedMs, 0);
    assert.equal(s.etaMs, 0);
  });
});
