/**
 * Spawns the built engine (`dist/engine.js`) as the extension does and drives it over JSON-RPC:
 * info, cancellation across the wire, and the restart path after the engine is killed mid-request.
 * Run `npm run bundle` first (npm test does).
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { EngineProcess, type EngineExit } from '../../src/client/engineProcess';
import { InfoRequest, MeasureThroughputRequest } from '../../src/protocol/engineProtocol';
import { ErrorCode, LongtailError } from '../../src/protocol/errors';
import { engineAllocatorEnv, withEngineAllocatorEnv } from '../../src/protocol/nativeAllocator';
import type { ProgressSnapshot } from '../../src/protocol/progress';

const enginePath = join(__dirname, '..', '..', 'dist', 'engine.js');

describe('engine child process over JSON-RPC', () => {
  const exits: EngineExit[] = [];
  const progress: ProgressSnapshot[] = [];
  const logs: string[] = [];
  let engine: EngineProcess;

  before(() => {
    assert.ok(existsSync(enginePath), `${enginePath} missing: run npm run bundle`);
    engine = new EngineProcess({
      enginePath,
      args: ['--backend', 'wasm'],
      onExit: (e) => exits.push(e),
      onProgress: (p) => progress.push(p),
      onLog: (m) => logs.push(m.message),
    });
  });
  after(async () => {
    await engine.dispose();
  });

  it('answers engine/info with the wasm backend and its probe', async () => {
    const info = await engine.request(InfoRequest, {});
    assert.equal(info.backend.name, 'wasm');
    assert.equal(info.backend.requested, 'wasm');
    assert.equal(info.node, process.version);
    assert.ok(info.threads >= 1);
    assert.equal(info.backend.capabilities.inference, true);
    assert.equal(info.pid, engine.pid);
    assert.ok(logs.some((l) => l.includes('backend wasm ready')), logs.join('\n'));
  });

  it('streams complete progress snapshots for a request with a progress token', async () => {
    const r = await engine.request(MeasureThroughputRequest, { seconds: 0.3, size: 128, progressToken: 'bench-1' });
    assert.ok(r.iterations >= 1);
    const mine = progress.filter((p) => p.token === 'bench-1');
    assert.equal(mine.length, r.iterations);
    assert.ok(mine.every((p) => p.total === 300 && p.phase === 'matrix products'));
  });

  it('cancels a long request across the wire within a second', async () => {
    const source = new CancellationTokenSource();
    const pending = engine.request(MeasureThroughputRequest, { seconds: 120, size: 256, progressToken: 'long' }, source.token);
    // Wait until the engine is demonstrably working, then cancel.
    const t0 = Date.now();
    while (!progress.some((p) => p.token === 'long') && Date.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const cancelledAt = Date.now();
    source.cancel();
    await assert.rejects(pending, (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.Cancelled);
    const took = Date.now() - cancelledAt;
    assert.ok(took < 1000, `cancellation took ${took} ms`);
    // The same engine keeps serving.
    assert.equal((await engine.request(InfoRequest, {})).pid, engine.pid);
    assert.equal(engine.startCount, 1);
  });

  it('starts the engine with the glibc malloc settings of protocol/nativeAllocator.ts (Linux)', { skip: process.platform !== 'linux' }, async () => {
    await engine.request(InfoRequest, {});
    const environ = readFileSync(`/proc/${engine.pid}/environ`, 'utf8').split('\0');
    for (const [name, value] of Object.entries(engineAllocatorEnv)) {
      // Ours where the test's environment has none; merged with the test's own GLIBC_TUNABLES where it has some.
      const expected = `${name}=${withEngineAllocatorEnv(process.env, 'linux')[name]}`;
      if (process.env[name] === undefined) assert.equal(expected, `${name}=${value}`);
      assert.ok(environ.includes(expected), `${expected} in the engine's environment`);
    }
  });

  it('reports an engine killed mid-request with its stderr tail, then restarts on the next request', async () => {
    const pending = engine.request(MeasureThroughputRequest, { seconds: 120, size: 256, progressToken: 'doomed' });
    const t0 = Date.now();
    while (!progress.some((p) => p.token === 'doomed') && Date.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const oldPid = engine.pid!;
    process.kill(oldPid, 'SIGKILL');
    await assert.rejects(pending, (e: unknown) => {
      assert.ok(e instanceof LongtailError);
      assert.equal(e.code, ErrorCode.EngineExited);
      assert.match(e.message, /killed by SIGKILL/);
      assert.match(e.message, /restarts on the next request/);
      assert.equal(typeof e.detail, 'string');
      return true;
    });
    assert.equal(exits.length, 1);
    assert.equal(exits[0].expected, false);
    assert.equal(exits[0].signal, 'SIGKILL');
    const info = await engine.request(InfoRequest, {});
    assert.notEqual(info.pid, oldPid);
    assert.equal(engine.startCount, 2);
  });

  it('an explicit unavailable backend comes back as a typed error, and the engine process survives', async () => {
    const gpu = new EngineProcess({ enginePath, args: ['--backend', 'gpu'] });
    try {
      await assert.rejects(gpu.request(InfoRequest, {}), (e: unknown) => {
        // On a machine with tfjs-node-gpu installed this request would succeed instead.
        assert.ok(e instanceof LongtailError);
        assert.equal(e.code, ErrorCode.BackendUnavailable);
        return true;
      });
      assert.equal(gpu.startCount, 1);
    } finally {
      await gpu.dispose();
    }
  });

  it('an engine started with a bad argument exits, and the error names it', async () => {
    const bad = new EngineProcess({ enginePath, args: ['--backend', 'tpu'] });
    try {
      await assert.rejects(bad.request(InfoRequest, {}), (e: unknown) => {
        assert.ok(e instanceof LongtailError);
        assert.equal(e.code, ErrorCode.EngineExited);
        assert.match(e.message, /--backend must be one of/);
        return true;
      });
    } finally {
      await bad.dispose();
    }
  });
});
