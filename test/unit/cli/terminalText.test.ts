/** Terminal escaping of untrusted text (issue #14): forged lines, CSI and bidi overrides never reach the terminal raw. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/cli';
import { escapeTerminal } from '../../../src/cli/terminalText';
import { makeReport } from '../../fixtures/makeReport';

const dir = mkdtempSync(join(tmpdir(), 'longtail-term-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) }, { isCancellationRequested: false });
  return { code, out, err };
}

describe('terminal escaping', () => {
  it('escapes C0, DEL, C1 and bidi controls as \\uXXXX, keeping printable text', () => {
    assert.equal(escapeTerminal('key\x1b[2K\x1b[1Aforged'), 'key\\u001b[2K\\u001b[1Aforged');
    assert.equal(escapeTerminal('a\u009bb\u007fc\u202ed'), 'a\\u009bb\\u007fc\\u202ed');
    assert.equal(escapeTerminal('line\nbreak\t'), 'line\\u000abreak\\u0009');
    assert.equal(escapeTerminal('line\nbreak\t', true), 'line\nbreak\t');
    assert.equal(escapeTerminal('chat 猫 é'), 'chat 猫 é');
    assert.deepEqual(JSON.parse(`"${escapeTerminal('a\x1bb')}"`), 'a\x1bb', 'the escape is valid JSON');
  });

  it('a path with an escape sequence is printed escaped in the one error line', async () => {
    const name = join(dir, 'evil\x1b[2K\x1b[1A.json');
    const { code, err } = await run(['report', name, '--html', join(dir, 'out.html')]);
    assert.equal(code, 1);
    assert.ok(!err.includes('\x1b'), `raw ESC printed: ${JSON.stringify(err)}`);
    assert.match(err, /^error\[FILE_NOT_FOUND\]: .*evil\\u001b\[2K\\u001b\[1A\.json/);
    assert.equal(err.trimEnd().split('\n').length, 1);
  });

  it('a report.json with a UTF-8 BOM is read; a write fault then exits 1 naming the output, not 2', { skip: process.platform !== 'linux' }, async () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, `\ufeff${JSON.stringify(makeReport({ numClasses: 4 }))}`);
    // /proc accepts no new files, even for root: the temporary file cannot be created.
    const { code, err } = await run(['report', file, '--html', '/proc/longtail-report.html']);
    assert.equal(code, 1, err);
    assert.match(err, /^error\[(OUTPUT_NOT_WRITABLE|FILE_NOT_FOUND|IO_ERROR)\]: \/proc\/longtail-report\.html: /);
  });
});
