/** Runs the built CLI (`dist/cli.js`) as a user would: stdout, stderr and exit codes. */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

describe('dist/cli.js', () => {
  it('info prints the chosen backend as JSON and exits 0', () => {
    const r = spawnSync(process.execPath, [cli, 'info'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.ok(['gpu', 'webgpu', 'native', 'wasm'].includes(info.backend.name), info.backend.name);
    assert.equal(typeof info.version, 'string');
    assert.equal(info.node, process.version);
    assert.ok(info.threads >= 1);
    const failed = info.backend.attempts.filter((a: { status: string }) => a.status === 'failed');
    for (const a of failed) {
      assert.equal(typeof a.reason, 'string', 'every skipped faster backend says why');
    }
  });

  it('exits 2 on bad usage, without a stack trace', () => {
    const r = spawnSync(process.execPath, [cli, 'info', '--backend', 'quantum'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--backend must be one of/);
    assert.ok(!/\n\s+at /.test(r.stderr));
  });

  it('exits 130 when interrupted with Ctrl-C during a long run', async () => {
    const child = spawn(process.execPath, [cli, 'info', '--backend', 'wasm', '--bench', '120', '--bench-size', '256'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Interrupt once the CLI is past start-up and into the benchmark, judged by the CPU time it has used (Linux
    // /proc/<pid>/stat utime + stime, in 1/100 s), not by a fixed delay: start-up takes about 0.5 s of CPU but
    // several seconds of wall time on a loaded machine, and a SIGINT before the CLI's handler exists is Node's
    // default exit, which is not what this test is about.
    const cpuSeconds = (): number => {
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return 0;
      }
    };
    for (let waited = 0; cpuSeconds() < 2; waited += 50) {
      assert.ok(waited < 60_000, 'the CLI uses 2 s of CPU within 60 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const sentAt = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 130, stderr);
    assert.ok(Date.now() - sentAt < 2000);
    assert.match(stderr, /cancelled/);
  });
});
