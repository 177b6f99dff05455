import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeDirAtomic, writeFileAtomic } from '../../../src/engine/output/atomicOutput';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';

const isCode = (code: string) => (e: unknown) => e instanceof LongtailError && e.code === code;

describe('atomic outputs', () => {
  it('writes a file and refuses to replace an existing one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-out-'));
    const file = join(dir, 'sub', 'report.json');
    await writeFileAtomic(file, '{"a":1}');
    assert.equal(readFileSync(file, 'utf8'), '{"a":1}');
    await assert.rejects(writeFileAtomic(file, 'other'), isCode(ErrorCode.OutputExists));
    assert.equal(readFileSync(file, 'utf8'), '{"a":1}', 'the user file is untouched');
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['report.json'], 'no temporary files left');
  });

  it('fills a folder under a temporary name and renames it at the end', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lt-out-'));
    const out = join(root, 'run');
    const seen = await writeDirAtomic(out, async (tmp) => {
      assert.ok(!existsSync(out), 'target appears only at the end');
      writeFileSync(join(tmp, 'model.json'), '{}');
      return tmp;
    });
    assert.notEqual(seen, out);
    assert.deepEqual(readdirSync(out), ['model.json']);
    assert.deepEqual(readdirSync(root), ['run']);
  });

  it('leaves nothing behind when filling fails, and refuses a non-empty target', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lt-out-'));
    await assert.rejects(
      writeDirAtomic(join(root, 'run'), async (tmp) => {
        writeFileSync(join(tmp, 'partial.bin'), 'x');
        throw new LongtailError(ErrorCode.Cancelled, 'cancelled');
      }),
      isCode(ErrorCode.Cancelled),
    );
    assert.deepEqual(readdirSync(root), []);
    const busy = join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'mine.txt'), 'keep');
    await assert.rejects(writeDirAtomic(busy, async () => undefined), isCode(ErrorCode.OutputExists));
    assert.equal(readFileSync(join(busy, 'mine.txt'), 'utf8'), 'keep');
    // An empty folder is an acceptable target.
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await writeDirAtomic(empty, async (tmp) => writeFileSync(join(tmp, 'a'), '1'));
    assert.deepEqual(readdirSync(empty), ['a']);
  });
});
