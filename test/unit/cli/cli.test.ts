import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runCli } from '../../../src/cli/cli';
import type { EngineInfo } from '../../../src/protocol/engineInfo';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { isCancellationRequested: false });
  return { code, stdout, stderr };
}

describe('longtail CLI', () => {
  it('info prints JSON with version, backend, node and threads', async () => {
    const r = await run('info', '--backend', 'cpu');
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as EngineInfo;
    assert.equal(info.backend.name, 'cpu');
    assert.equal(info.node, process.version);
    assert.equal(info.threads, 1);
    // onnxruntime's threads: chosen from the cores and the load, with the reason in words.
    assert.ok(info.onnxruntimeThreads && info.onnxruntimeThreads.threads >= 1);
    assert.match(info.onnxruntimeThreads.reason, /cores, 1-minute load \d+\.\d\d/);
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.equal(info.backend.capabilities.training, true);
  });

  it('info with --threads 3 reports onnxruntime threads 3 as the override', async () => {
    const r = await run('info', '--backend', 'cpu', '--threads', '3');
    const info = JSON.parse(r.stdout) as EngineInfo;
    assert.equal(info.onnxruntimeThreads?.threads, 3);
    assert.match(info.onnxruntimeThreads?.reason ?? '', /set by longtail\.threads/);
  });

  it('info --bench adds a throughput measurement', async () => {
    const r = await run('info', '--backend', 'cpu', '--bench', '0.05', '--bench-size', '32');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { throughput: { gflops: number; size: number } };
    assert.equal(out.throughput.size, 32);
    assert.ok(out.throughput.gflops > 0);
  });

  it('bad usage exits 2 with one message and no stack', async () => {
    for (const argv of [['frobnicate'], ['info', '--no-such-flag'], ['info', '--backend', 'tpu'], ['info', '--bench', 'soon'], []]) {
      const r = await run(...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
    }
  });

  it('an unavailable requested backend exits 1 with error[BACKEND_UNAVAILABLE] on one line', async () => {
    const r = await run('info', '--backend', 'gpu');
    // This machine kind cannot install tfjs-node-gpu; where it is installed the request succeeds.
    if (r.code === 0) {
      assert.equal((JSON.parse(r.stdout) as EngineInfo).backend.name, 'gpu');
      return;
    }
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error\[BACKEND_UNAVAILABLE\]: backend 'gpu' is not available here: gpu: .*tfjs-node-gpu/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('--version and --help exit 0', async () => {
    assert.match((await run('--version')).stdout, /^\d+\.\d+\.\d+\n$/);
    const help = await run('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: longtail/);
  });
});
