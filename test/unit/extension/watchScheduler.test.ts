import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isTemporaryName, WatchScheduler, type ProbeResult, type SchedulerClock } from '../../../src/extension/watch/watchScheduler';

/** A manual clock: timers fire only from advance(), in time order, with promise jobs flushed after each. */
class FakeClock implements SchedulerClock {
  private t = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pendingTimers(): number {
    return this.timers.size;
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
    await flush();
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A checkpoint whose probe result the test sets; records every run. */
function harness(options: { debounceMs?: number; pollMs?: number; maxWaitMs?: number } = {}) {
  const clock = new FakeClock();
  let probe: ProbeResult = { ready: true, fingerprint: 'v1' };
  const runs: { start: number; end?: number }[] = [];
  let finishRun: (() => void) | undefined;
  let holdRuns = false;
  const logs: string[] = [];
  const scheduler = new WatchScheduler({
    debounceMs: options.debounceMs ?? 1000,
    pollMs: options.pollMs ?? 500,
    maxWaitMs: options.maxWaitMs ?? 10_000,
    clock,
    log: (l) => logs.push(l),
    probe: async () => probe,
    run: async () => {
      const record: { start: number; end?: number } = { start: clock.now() };
      runs.push(record);
      if (holdRuns) await new Promise<void>((resolve) => (finishRun = resolve));
      record.end = clock.now();
    },
  });
  return {
    clock,
    scheduler,
    runs,
    logs,
    setProbe: (p: ProbeResult) => (probe = p),
    hold: (on: boolean) => (holdRuns = on),
    finish: () => finishRun?.(),
  };
}

describe('watch mode: temporary names', () => {
  it('ignores temp, hidden, partial and backup names, not checkpoint files', () => {
    for (const name of ['model.json.tmp', '.model.json.tmp-123-ab12cd34', 'weights.bin.tmp-9', 'epoch=3.tmp_end.ckpt', 'model.json~', 'x.part', 'x.partial', 'a.crdownload', '/ws/m/.hidden', 'C:\\m\\model.json.swp']) {
      assert.equal(isTemporaryName(name), true, name);
    }
    for (const name of ['model.json', 'group1-shard1of2.bin', 'head.safetensors', 'model.onnx', '/ws/tmp/model.json', 'weights.part1.bin', 'temperature.npz']) {
      assert.equal(isTemporaryName(name), false, name);
    }
  });
});

describe('WatchScheduler', () => {
  it('debounces a burst of events (a multi-shard write) into one analysis after the quiet period and two equal probes', async () => {
    const h = harness();
    for (const name of ['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json']) {
      assert.equal(h.scheduler.notify(name), true);
      await h.clock.advance(300);
    }
    // Now t = 900; the last event was at t = 600: debounce ends at 1600 (first probe), second (equal) probe at 2100.
    await h.clock.advance(1100); // t = 2000
    assert.equal(h.runs.length, 0);
    await h.clock.advance(100); // t = 2100
    assert.deepEqual(h.runs.map((r) => r.start), [2100]);
    await h.clock.advance(10_000);
    assert.equal(h.runs.length, 1);
    assert.equal(h.scheduler.phase, 'idle');
  });

  it('ignores events on temporary names', async () => {
    const h = harness();
    assert.equal(h.scheduler.notify('.model.json.tmp-1-abcd'), false);
    assert.equal(h.scheduler.notify('weights.bin.tmp'), false);
    await h.clock.advance(20_000);
    assert.equal(h.runs.length, 0);
    assert.equal(h.scheduler.phase, 'idle');
  });

  it('waits while the checkpoint is incomplete, then until two polls agree', async () => {
    const h = harness();
    h.setProbe({ ready: false, reason: 'weight shard group1-shard1of1.bin is missing' });
    h.scheduler.notify('model.json');
    await h.clock.advance(3000); // debounce 1000, probes at 1000, 1500, 2000, 2500, 3000: all incomplete
    assert.equal(h.runs.length, 0);
    assert.ok(h.logs.some((l) => l.includes('weight shard group1-shard1of1.bin is missing')));
    h.setProbe({ ready: true, fingerprint: 'a' });
    await h.clock.advance(500); // t=3500 first complete probe
    h.setProbe({ ready: true, fingerprint: 'b' }); // still growing
    await h.clock.advance(500); // t=4000: differs from 'a'
    assert.equal(h.runs.length, 0);
    await h.clock.advance(500); // t=4500: 'b' twice
    assert.deepEqual(h.runs.map((r) => r.start), [4500]);
  });

  it('gives up on a checkpoint that never settles, until the next event', async () => {
    const clock = new FakeClock();
    let probes = 0;
    let settled = false;
    const logs: string[] = [];
    let runs = 0;
    const s = new WatchScheduler({
      debounceMs: 1000,
      pollMs: 500,
      maxWaitMs: 2000,
      clock,
      log: (l) => logs.push(l),
      probe: async () => ({ ready: true, fingerprint: settled ? 'final' : `size-${++probes}` }), // still growing at every poll
      run: async () => void runs++,
    });
    s.notify('model.onnx');
    await clock.advance(10_000);
    assert.equal(runs, 0);
    assert.equal(probes, 5, 'probes at 1000, 1500, 2000, 2500, 3000, then it gives up');
    assert.equal(s.phase, 'idle');
    assert.ok(logs.some((l) => l.includes('gave up') && l.includes('still changing')));
    settled = true;
    s.notify('model.onnx');
    await clock.advance(1500);
    assert.equal(runs, 1);
  });

  it('never runs two analyses at once: events during a run coalesce into one pending run', async () => {
    const h = harness();
    h.hold(true);
    h.scheduler.notify('model.json');
    await h.clock.advance(1500);
    assert.equal(h.runs.length, 1);
    assert.equal(h.scheduler.phase, 'running');
    h.setProbe({ ready: true, fingerprint: 'v2' });
    for (let i = 0; i < 5; i++) {
      h.scheduler.notify('model.json');
      await h.clock.advance(2000);
    }
    assert.equal(h.runs.length, 1, 'still only the first run');
    h.hold(false);
    h.finish();
    await h.clock.advance(0);
    assert.equal(h.runs[0].end, 11_500);
    await h.clock.advance(1500); // debounce again, then two equal probes
    assert.equal(h.runs.length, 2);
    assert.equal(h.runs[1].start, 13_000);
    await h.clock.advance(20_000);
    assert.equal(h.runs.length, 2, 'one pending run, not one per event');
  });

  it('skips a checkpoint whose fingerprint is the one last analysed', async () => {
    const h = harness();
    h.scheduler.markAnalysed('v1');
    h.scheduler.notify('model.json');
    await h.clock.advance(5000);
    assert.equal(h.runs.length, 0);
    assert.ok(h.logs.some((l) => l.includes('unchanged')));
    h.setProbe({ ready: true, fingerprint: 'v2' });
    h.scheduler.notify('model.json');
    await h.clock.advance(5000);
    assert.equal(h.runs.length, 1);
    h.scheduler.notify('model.json'); // an event without a content change
    await h.clock.advance(5000);
    assert.equal(h.runs.length, 1);
  });

  it('a failed analysis is logged and the same checkpoint is tried again on the next event', async () => {
    const clock = new FakeClock();
    let attempts = 0;
    const logs: string[] = [];
    const s = new WatchScheduler({
      debounceMs: 100,
      pollMs: 100,
      maxWaitMs: 1000,
      clock,
      log: (l) => logs.push(l),
      probe: async () => ({ ready: true, fingerprint: 'same' }),
      run: async () => {
        attempts++;
        if (attempts === 1) throw new Error('engine exited');
      },
    });
    s.notify('model.onnx');
    await clock.advance(1000);
    assert.equal(attempts, 1);
    assert.ok(logs.some((l) => l.includes('engine exited')));
    s.notify('model.onnx');
    await clock.advance(1000);
    assert.equal(attempts, 2);
  });

  it('dispose cancels a scheduled analysis', async () => {
    const h = harness();
    h.scheduler.notify('model.json');
    await h.clock.advance(500);
    h.scheduler.dispose();
    await h.clock.advance(10_000);
    assert.equal(h.runs.length, 0);
    assert.equal(h.clock.pendingTimers, 0);
    assert.equal(h.scheduler.notify('model.json'), false);
  });
});
