import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkRunStillInside, RunCollector, runLimits } from '../../../src/extension/runs/collectRuns';
import { runMetricsOf, runRowFromReport } from '../../../src/extension/runs/runRow';
import { LongtailError } from '../../../src/protocol/errors';
import type { Report } from '../../../src/protocol/report';
import { makeReport } from '../../fixtures/makeReport';
import { nodeRunFiles, reportAt } from './nodeRunFiles';

describe('runs table: the numbers are the report’s own', () => {
  it('balanced and bucket errors come from summary, not from a recomputation over the classes', () => {
    const r = makeReport({ numClasses: 30, seed: 4 });
    // A report whose summary disagrees with its classes (e.g. computed on more examples than it lists).
    const odd: Report = {
      ...r,
      summary: { ...r.summary, balancedError: 0.123456, top1Error: 0.0987, buckets: { many: { ...r.summary.buckets.many, accuracy: 0.9 }, medium: { ...r.summary.buckets.medium, accuracy: 0.7 }, few: { ...r.summary.buckets.few, accuracy: 0.25 } } },
    };
    const m = runMetricsOf(odd);
    assert.equal(m.balancedError, 0.123456);
    assert.equal(m.top1Error, 0.0987);
    assert.equal(m.manyError, 1 - 0.9);
    assert.equal(m.mediumError, 1 - 0.7);
    assert.equal(m.fewError, 0.75);
  });
});

describe('runs table: untrusted text from a report', () => {
  it('createdAt and model.path are cut and their control and bidi characters escaped', () => {
    const r = reportAt('2026-11-27T10:00:00Z\u202e', `/ws/${'m'.repeat(5000)}\u0007/model.json`, { numClasses: 12 });
    const row = runRowFromReport({ id: '0/analysis/x', kind: 'analysis', folder: 'x', reportPath: '/ws/x/report.json' }, r, null, [], null);
    assert.equal(row.createdAt, '2026-11-27T10:00:00Z\\u202e');
    assert.equal(row.model?.length, 1024);
    assert.ok(row.model?.endsWith('…'));
    const long = runRowFromReport({ id: '0/analysis/x', kind: 'analysis', folder: 'x', reportPath: '/ws/x/report.json' }, { ...r, createdAt: 'x'.repeat(10_000) }, null, [], null);
    assert.equal(long.createdAt?.length, 64);
  });
});

describe('runs table: a hostile workspace', () => {
  let base: string;
  let ws: string;
  let outside: string;
  const write = async (file: string, text: string): Promise<string> => {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
    return file;
  };
  before(async () => {
    base = await fs.mkdtemp(path.join(tmpdir(), 'lt-runs-hostile-'));
    ws = path.join(base, 'ws');
    outside = path.join(base, 'outside');
    const model = path.join(ws, 'model', 'model.json');
    // Outside the workspace folder: a valid run, a secret report, a checkpoint folder with a training.json.
    await write(path.join(outside, 'run', 'report.json'), JSON.stringify(reportAt('2026-11-09T10:00:00Z', model, { numClasses: 12 })));
    await write(path.join(outside, 'run', 'tags.json'), JSON.stringify({ tags: ['secret'] }));
    await write(path.join(outside, 'secret.json'), JSON.stringify(reportAt('2026-11-08T10:00:00Z', model, { numClasses: 12 })));
    await write(path.join(outside, 'tags.json'), JSON.stringify({ tags: ['secret'] }));
    await write(path.join(outside, 'ckpt', 'training.json'), JSON.stringify({ loss: 'secret-loss' }));
    await write(path.join(outside, 'ckpt', 'model.json'), '{}');
    // Inside: a plain run; a run folder that is a link out; a report.json that is a link out; a tags.json link;
    // a folder named report.json; a name with markup, bidi and control characters; a checkpoint folder linked out.
    const runs = path.join(ws, '.longtail', 'runs');
    await write(path.join(runs, 'plain', 'report.json'), JSON.stringify(reportAt('2026-11-01T10:00:00Z', model, { numClasses: 12 })));
    await fs.symlink(path.join(outside, 'run'), path.join(runs, 'linked-folder'));
    await fs.mkdir(path.join(runs, 'linked-report'));
    await fs.symlink(path.join(outside, 'secret.json'), path.join(runs, 'linked-report', 'report.json'));
    await write(path.join(runs, 'linked-tags', 'report.json'), JSON.stringify(reportAt('2026-11-02T10:00:00Z', model, { numClasses: 12 })));
    await fs.symlink(path.join(outside, 'tags.json'), path.join(runs, 'linked-tags', 'tags.json'));
    await fs.mkdir(path.join(runs, 'folder-report', 'report.json'), { recursive: true });
    const evil = '<img src=x onerror=alert(1)>\u202Egnp.exe\u001b[2J';
    await write(path.join(runs, evil, 'report.json'), JSON.stringify(reportAt('2026-11-03T10:00:00Z', path.join(ws, 'm\u202Eodel\u0007', 'model.json'), { numClasses: 12 })));
    // A deeply nested report.json (10⁵ levels) and tags that are not strings.
    await write(path.join(runs, 'deep', 'report.json'), `{"schemaVersion":1,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    await write(path.join(runs, 'deep', 'tags.json'), '{"tags":[{"toString":"x"},["a"],7]}');
    await fs.mkdir(path.join(ws, 'models'), { recursive: true });
    await fs.symlink(path.join(outside, 'ckpt'), path.join(ws, 'models', 'linked'));
    await write(path.join(runs, 'linked-ckpt', 'report.json'), JSON.stringify(reportAt('2026-11-04T10:00:00Z', path.join(ws, 'models', 'linked', 'model.json'), { numClasses: 12 })));
  });
  after(async () => {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('follows no link out of the workspace folder and reads nothing outside it', async () => {
    const read: string[] = [];
    const files = nodeRunFiles();
    const listing = await new RunCollector(nodeRunFiles({ readFile: async (f) => (read.push(f), files.readFile(f)) })).collect([ws]);
    const real = await fs.realpath(ws);
    for (const f of read) assert.ok((await fs.realpath(f)).startsWith(`${real}${path.sep}`), `read outside the workspace: ${f}`);
    const byFolder = new Map(listing.runs.map((r) => [r.row.folder, r]));
    const linked = byFolder.get('linked-folder');
    assert.match(linked?.row.error ?? '', /linked-folder is a symbolic link; the runs table does not follow links/);
    assert.equal(linked?.actionable, false, 'no open or tag write for a linked folder');
    assert.equal(linked?.row.linked, true, 'the webview offers no tags on it');
    assert.equal(byFolder.get('plain')?.row.linked, undefined);
    assert.deepEqual(linked?.row.tags, []);
    assert.match(byFolder.get('linked-report')?.row.error ?? '', /linked-report\/report\.json is a symbolic link/);
    const tags = byFolder.get('linked-tags')?.row;
    assert.equal(tags?.error, null);
    assert.deepEqual(tags?.tags, []);
    assert.match(tags?.tagsError ?? '', /tags\.json is a symbolic link/);
    assert.match(byFolder.get('folder-report')?.row.error ?? '', /folder-report\/report\.json is not a file/);
    assert.equal(byFolder.get('linked-ckpt')?.row.loss, null, 'training.json behind a linked checkpoint folder is not read');
    assert.equal(byFolder.get('plain')?.actionable, true);
    const deep = byFolder.get('deep')?.row;
    assert.match(deep?.error ?? '', /deep\/report\.json is not a valid Long-Tail Lens report: \/createdAt is missing/);
    assert.match(deep?.tagsError ?? '', /tags\.json is not a valid tags file: \/tags\/0: a tag must be a string \(found object\)/);
    assert.deepEqual(listing.notes, []);
  });

  it('shows names with control and bidi characters escaped; the id keeps the real name', async () => {
    const { runs } = await new RunCollector(nodeRunFiles()).collect([ws]);
    const evil = runs.find((r) => r.row.folder.startsWith('<img'));
    assert.ok(evil);
    assert.equal(evil.row.folder, '<img src=x onerror=alert(1)>\\u202egnp.exe\\u001b[2J');
    assert.equal(evil.row.id, '0/analysis/<img src=x onerror=alert(1)>\u202Egnp.exe\u001b[2J');
    assert.ok(evil.row.model?.includes('m\\u202eodel\\u0007'), evil.row.model ?? '');
    for (const r of runs) for (const text of [r.row.folder, r.row.reportPath, r.row.model ?? '', r.row.error ?? '']) assert.doesNotMatch(text, /[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/);
  });

  it('a kind folder that is a link out of the workspace is not read, and a note says so', async () => {
    const ws2 = path.join(base, 'ws2');
    await fs.mkdir(path.join(ws2, '.longtail'), { recursive: true });
    await fs.symlink(path.join(outside), path.join(ws2, '.longtail', 'runs'));
    const listing = await new RunCollector(nodeRunFiles()).collect([ws2]);
    assert.deepEqual(listing.runs, []);
    assert.equal(listing.notes.length, 1);
    assert.match(listing.notes[0], /\.longtail\/runs leads outside the workspace folder \(a symbolic link\): its runs are not read\./);
  });

  it('a run folder replaced by a link after the listing gets no tag write', async () => {
    const { runs } = await new RunCollector(nodeRunFiles()).collect([ws]);
    const plain = runs.find((r) => r.row.folder === 'plain');
    assert.ok(plain);
    await checkRunStillInside(nodeRunFiles(), plain);
    const moved = `${plain.runDir}-moved`;
    await fs.rename(plain.runDir, moved);
    await fs.symlink(path.join(outside, 'run'), plain.runDir);
    try {
      await assert.rejects(checkRunStillInside(nodeRunFiles(), plain), (e: unknown) => e instanceof LongtailError && e.code === 'NOT_REGULAR_FILE' && /plain is now a symbolic link; its tags are not written/.test(e.message));
    } finally {
      await fs.rm(plain.runDir);
      await fs.rename(moved, plain.runDir);
    }
  });
});

describe('runs table: thousands of runs stay bounded', () => {
  let ws: string;
  before(async () => {
    ws = await fs.mkdtemp(path.join(tmpdir(), 'lt-runs-many-'));
  });
  after(async () => {
    await fs.rm(ws, { recursive: true, force: true });
  });

  it(`lists at most ${runLimits.rows} runs, the newest report.json first, and says how many were left out`, async () => {
    const runs = path.join(ws, '.longtail', 'runs');
    const n = runLimits.rows + 5;
    for (let i = 0; i < n; i++) {
      const dir = path.join(runs, `r${String(i).padStart(5, '0')}`);
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'report.json'), '{}');
      // r00000…r00004 are the oldest files.
      const t = new Date(Date.UTC(2026, 0, 1) + i * 1000);
      await fs.utimes(path.join(dir, 'report.json'), t, t);
    }
    let reads = 0;
    const files = nodeRunFiles();
    const listing = await new RunCollector(nodeRunFiles({ readFile: async (f) => (reads++, files.readFile(f)) })).collect([ws]);
    assert.equal(listing.runs.length, runLimits.rows);
    assert.equal(reads, runLimits.rows, 'the runs left out are not read');
    assert.deepEqual(listing.notes, [`${n} runs: the ${runLimits.rows} with the newest report.json are listed, 5 older ones are not.`]);
    const folders = new Set(listing.runs.map((r) => r.row.folder));
    for (let i = 0; i < 5; i++) assert.ok(!folders.has(`r0000${i}`), `r0000${i} is among the oldest`);
  });

  it(`parses at most ${runLimits.readBytes / 2 ** 20} MB of new reports per listing; the next listing reads the rest`, async () => {
    const ws3 = await fs.mkdtemp(path.join(tmpdir(), 'lt-runs-big-'));
    try {
      for (let i = 0; i < 6; i++) {
        const dir = path.join(ws3, '.longtail', 'runs', `big${i}`);
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(path.join(dir, 'report.json'), JSON.stringify(reportAt(`2026-11-0${i + 1}T10:00:00Z`, path.join(ws3, 'm.json'), { numClasses: 12, seed: i + 1 })));
      }
      // Each report claims 200 MB: five fit in 1 GiB, the sixth waits.
      const files = nodeRunFiles();
      const big = nodeRunFiles({ stat: async (f) => ({ ...(await files.stat(f)), ...(f.endsWith('report.json') ? { size: 200 * 2 ** 20 } : {}) }) });
      const collector = new RunCollector(big);
      const first = await collector.collect([ws3]);
      assert.equal(first.incomplete, true);
      assert.deepEqual(first.notes, ['1 report is still being read (at most 1024 MB of new reports per listing).']);
      assert.equal(first.runs.filter((r) => r.row.error === null).length, 5);
      assert.match(first.runs.find((r) => r.row.error !== null)?.row.error ?? '', /report\.json \(200 MB\) is read at the next listing: this one has read 1000 MB of reports/);
      const second = await collector.collect([ws3]);
      assert.equal(second.incomplete, false);
      assert.deepEqual(second.notes, []);
      assert.equal(second.runs.filter((r) => r.row.error === null).length, 6);
    } finally {
      await fs.rm(ws3, { recursive: true, force: true });
    }
  });
});
