import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LongtailError } from '../../../src/protocol/errors';
import { checkTags, parseTags, readTags, tagLimits, tagsFile, writeTags } from '../../../src/extension/runs/tagStore';
import { nodeRunFiles } from './nodeRunFiles';

describe('tag store (tags.json beside report.json)', () => {
  let root: string;
  let n = 0;
  const runDir = async (): Promise<string> => {
    const dir = path.join(root, `run-${++n}`);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'report.json'), '{"schemaVersion":1}');
    return dir;
  };
  const code = (fn: () => unknown, expected: string, message: RegExp): void => {
    assert.throws(fn, (e: unknown) => e instanceof LongtailError && e.code === expected && message.test(e.message) && !e.message.includes('\n'));
  };
  before(async () => {
    root = await fs.mkdtemp(path.join(tmpdir(), 'lt-tags-'));
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('a run without tags.json has no tags', async () => {
    assert.deepEqual(await readTags(nodeRunFiles(), await runDir()), []);
  });

  it('writes and reads back, trimmed, in order, leaving report.json and no temporary file', async () => {
    const dir = await runDir();
    const report = await fs.readFile(path.join(dir, 'report.json'));
    const written = await writeTags(nodeRunFiles(), dir, ['  baseline ', 'lr 1e-3', 'Ünïcødé 猫', '<img src=x onerror=alert(1)>']);
    assert.deepEqual(written, ['baseline', 'lr 1e-3', 'Ünïcødé 猫', '<img src=x onerror=alert(1)>']);
    assert.deepEqual(JSON.parse(await fs.readFile(tagsFile(dir), 'utf8')), { tags: written });
    assert.deepEqual(await readTags(nodeRunFiles(), dir), written);
    assert.deepEqual(await fs.readFile(path.join(dir, 'report.json')), report, 'report.json untouched');
    assert.deepEqual((await fs.readdir(dir)).sort(), ['report.json', 'tags.json']);
    // Replacing and clearing.
    assert.deepEqual(await writeTags(nodeRunFiles(), dir, ['baseline']), ['baseline']);
    assert.deepEqual(await readTags(nodeRunFiles(), dir), ['baseline']);
    assert.deepEqual(await writeTags(nodeRunFiles(), dir, []), []);
    assert.deepEqual(await readTags(nodeRunFiles(), dir), []);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['report.json', 'tags.json']);
  });

  it('the write is a rename of a complete sibling in the same folder', async () => {
    const dir = await runDir();
    const ops: string[] = [];
    const base = nodeRunFiles();
    const files = nodeRunFiles({
      writeFile: async (file, data) => {
        ops.push(`write ${path.relative(dir, file)}`);
        await base.writeFile(file, data);
      },
      rename: async (from, to) => {
        ops.push(`rename ${path.relative(dir, from)} -> ${path.relative(dir, to)}`);
        // At the rename the temporary file already holds the whole new content.
        assert.deepEqual(JSON.parse(await fs.readFile(from, 'utf8')), { tags: ['a'] });
        await base.rename(from, to);
      },
    });
    await writeTags(files, dir, ['a']);
    assert.equal(ops.length, 2);
    assert.match(ops[0], /^write \.tags\.json\.tmp-[0-9a-z]+-\d+$/);
    assert.equal(ops[1], `rename ${ops[0].slice(6)} -> tags.json`);
  });

  it('a failed write leaves the old tags and no temporary file, with a typed one-line error', async () => {
    const dir = await runDir();
    await writeTags(nodeRunFiles(), dir, ['old']);
    const files = nodeRunFiles({ rename: async () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })) });
    await assert.rejects(writeTags(files, dir, ['new']), (e: unknown) => e instanceof LongtailError && e.code === 'OUTPUT_NOT_WRITABLE' && e.message.includes(tagsFile(dir)) && e.message.includes('permission denied'));
    assert.deepEqual(await readTags(nodeRunFiles(), dir), ['old']);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['report.json', 'tags.json']);
  });

  it('refuses bad tags on write, naming the file', () => {
    const f = '/ws/.longtail/runs/A/tags.json';
    code(() => checkTags([42], f), 'INVALID_OPTION', /A\/tags\.json: a tag must be a string \(found number\)/);
    code(() => checkTags(['   '], f), 'INVALID_OPTION', /cannot be empty/);
    code(() => checkTags(['x'.repeat(tagLimits.length + 1)], f), 'INVALID_OPTION', /at most 64 characters \(found 65\)/);
    code(() => checkTags(['a\u001b[2Kb'], f), 'INVALID_OPTION', /control character U\+001B/);
    code(() => checkTags(['evil\u202egnp.exe'], f), 'INVALID_OPTION', /U\+202E/);
    code(() => checkTags(['a\nb'], f), 'INVALID_OPTION', /U\+000A/);
    code(() => checkTags(['dup', ' dup'], f), 'INVALID_OPTION', /"dup" is there already/);
    code(() => checkTags(Array.from({ length: tagLimits.count + 1 }, (_, i) => `t${i}`), f), 'INVALID_OPTION', /at most 32 tags \(found 33\)/);
    assert.deepEqual(checkTags(Array.from({ length: tagLimits.count }, (_, i) => `t${i}`), f).length, 32);
  });

  it('validates tags.json on read: shape, strings only, limits; duplicates dropped', () => {
    const f = '/ws/run/tags.json';
    assert.deepEqual(parseTags('\ufeff{"tags":["a"," b ","a","b"]}', f), ['a', 'b']);
    code(() => parseTags('{"tags":', f), 'INVALID_FILE', /^\/ws\/run\/tags\.json: not valid JSON/);
    code(() => parseTags('["a"]', f), 'INVALID_FILE', /must be an object/);
    code(() => parseTags('{"tags":"a"}', f), 'INVALID_FILE', /\/tags must be an array of strings/);
    code(() => parseTags('{"tags":["a",{"x":1}]}', f), 'INVALID_FILE', /\/tags\/1: a tag must be a string \(found object\)/);
    code(() => parseTags('{"tags":[null]}', f), 'INVALID_FILE', /found null/);
    code(() => parseTags(JSON.stringify({ tags: Array.from({ length: 40 }, (_, i) => `t${i}`) }), f), 'INVALID_FILE', /40 entries, at most 32/);
  });

  it('an oversized or non-file tags.json is an error, not read', async () => {
    const dir = await runDir();
    await fs.writeFile(tagsFile(dir), JSON.stringify({ tags: ['a'], pad: 'x'.repeat(tagLimits.fileBytes) }));
    await assert.rejects(readTags(nodeRunFiles(), dir), (e: unknown) => e instanceof LongtailError && e.code === 'TOO_LARGE' && /tags\.json is 16\d{3} bytes; a tags file has at most 16384/.test(e.message));
    const dir2 = await runDir();
    await fs.mkdir(tagsFile(dir2));
    await assert.rejects(readTags(nodeRunFiles(), dir2), (e: unknown) => e instanceof LongtailError && e.code === 'NOT_REGULAR_FILE');
  });
});
