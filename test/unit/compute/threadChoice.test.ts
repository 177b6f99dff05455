import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { chooseThreads, machineLoad } from '../../../src/engine/compute/threadChoice';

describe('chooseThreads', () => {
  it('takes the override when it is positive, whatever the load', () => {
    assert.equal(chooseThreads(3, { cores: 2, load1: 5 }).threads, 3);
    assert.match(chooseThreads(3, { cores: 2, load1: 5 }).reason, /set by longtail\.threads/);
  });

  it('gives ⌊cores − load⌋ clamped to [1, cores] otherwise', () => {
    assert.equal(chooseThreads(undefined, { cores: 2, load1: 0 }).threads, 2);
    assert.equal(chooseThreads(0, { cores: 2, load1: 0.5 }).threads, 1);
    assert.equal(chooseThreads(0, { cores: 2, load1: 7 }).threads, 1);
    assert.equal(chooseThreads(0, { cores: 16, load1: 3.2 }).threads, 12);
    assert.equal(chooseThreads(-1, { cores: 8, load1: 0 }).threads, 8);
    assert.match(chooseThreads(0, { cores: 2, load1: 1.5 }).reason, /the cores are busy: 2 cores, 1-minute load 1\.50/);
  });

  it('reads this machine', () => {
    const m = machineLoad();
    assert.ok(m.cores >= 1 && m.load1 >= 0);
  });
});
