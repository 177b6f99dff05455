import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunCollector } from '../../../src/extension/runs/collectRuns';
import { laBalancedErrorAtOne, runMetricsOf, trainingInfoOf } from '../../../src/extension/runs/runRow';
import { writeTags } from '../../../src/extension/runs/tagStore';
import type { Bucket, Report } from '../../../src/protocol/report';
import { makeReport } from '../../fixtures/makeReport';
import { nodeRunFiles, reportAt } from './nodeRunFiles';

/** Independent recomputation from the per-class numbers: 1 − mean recall over the classes (of a bucket) present in eval. */
function errorOverClasses(report: Report, bucket?: Bucket): number | null {
  const acc = report.classes.filter((c) => (bucket === undefined || c.bucket === bucket) && c.evalCount > 0 && c.accuracy !== null).map((c) => c.accuracy as number);
  return acc.length ? 1 - acc.reduce((a, b) => a + b, 0) / acc.length : null;
}

describe('runs table rows', () => {
  it('metrics are the report’s balanced and bucket errors (recomputed from the classes), LA at τ = 1 and the rest', () => {
    for (const [C, seed] of [[30, 1], [120, 7]] as const) {
      const r = makeReport({ numClasses: C, seed });
      const m = runMetricsOf(r);
      assert.ok(Math.abs((m.balancedError as number) - (errorOverClasses(r) as number)) < 1e-12, `balanced error, C=${C}`);
      for (const [b, key] of [['many', 'manyError'], ['medium', 'mediumError'], ['few', 'fewError']] as const) {
        const expected = errorOverClasses(r, b);
        if (expected === null) assert.equal(m[key], null);
        else assert.ok(Math.abs((m[key] as number) - expected) < 1e-12, `${b} error, C=${C}: ${m[key]} vs ${expected}`);
      }
      const sweep = r.postHoc.logitAdjustment;
      assert.equal(m.laBalancedError, sweep.balancedError[sweep.taus.indexOf(1)]);
      assert.equal(m.top1Error, r.summary.top1Error);
      assert.equal(m.ece, r.calibration.ece);
    }
  });

  it('LA at τ = 1 is found by value, and missing values are null', () => {
    const r = makeReport({ numClasses: 12 });
    const taus = [0, 0.30000000000000004, 1.0000000000000002, 2];
    const be = [0.5, 0.4, 0.25, 0.3];
    const swept = { ...r, postHoc: { ...r.postHoc, logitAdjustment: { ...r.postHoc.logitAdjustment, taus, balancedError: be } } };
    assert.equal(laBalancedErrorAtOne(swept), 0.25);
    const noOne = { ...r, postHoc: { ...r.postHoc, logitAdjustment: { ...r.postHoc.logitAdjustment, taus: [0, 2], balancedError: [0.5, 0.3] } } };
    assert.equal(laBalancedErrorAtOne(noOne), null);
    const noFew = { ...r, summary: { ...r.summary, buckets: { ...r.summary.buckets, few: { classes: 0, accuracy: null } }, meanAveragePrecision: undefined }, postHoc: { ...r.postHoc, selection: null } };
    const m = runMetricsOf(noFew);
    assert.equal(m.fewError, null);
    assert.equal(m.meanAveragePrecision, null);
    assert.equal(m.laHeldOutBalancedError, null);
  });

  it('loss and scope from training.json: a fine-tune’s object loss with options, a baseline’s string, junk ignored', () => {
    assert.deepEqual(trainingInfoOf({ loss: { name: 'la', options: { tau: 1 }, logits: 'x' }, scope: 'head' }), { loss: 'la (tau 1)', scope: 'head' });
    assert.deepEqual(trainingInfoOf({ loss: { name: 'cb', options: { beta: 0.9999, gamma: 0.5 } }, scope: 'adapter' }), { loss: 'cb (beta 0.9999, gamma 0.5)', scope: 'adapter' });
    assert.deepEqual(trainingInfoOf({ loss: 'ce', architecture: 'small-cnn' }), { loss: 'ce', scope: null });
    assert.deepEqual(trainingInfoOf({ loss: { name: 'x', options: { s: 'str', n: Number.NaN } } }), { loss: 'x', scope: null });
    for (const junk of [null, 'ce', [1], { loss: 7, scope: {} }]) assert.deepEqual(trainingInfoOf(junk), { loss: null, scope: null });
    assert.equal(trainingInfoOf({ loss: 'y'.repeat(500) }).loss?.length, 80);
  });
});

describe('listing the runs of a workspace', () => {
  let ws: string;
  const write = async (rel: string, text: string): Promise<string> => {
    const file = path.join(ws, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
    return file;
  };
  before(async () => {
    ws = await fs.mkdtemp(path.join(tmpdir(), 'lt-runs-'));
    const model = path.join(ws, 'model', 'model.json');
    await write('model/training.json', JSON.stringify({ loss: 'ce' }));
    await write('.longtail/runs/20261101T100000Z/report.json', JSON.stringify(reportAt('2026-11-01T10:00:00.000Z', model, { numClasses: 20, seed: 1 })));
    await write('.longtail/runs/20261103T100000Z/report.json', JSON.stringify(reportAt('2026-11-03T10:00:00.000Z', model, { numClasses: 20, seed: 2, variant: 'after' })));
    const ft = path.join(ws, '.longtail', 'finetune', '20261102T100000Z-la-head');
    await write('.longtail/finetune/20261102T100000Z-la-head/report.json', JSON.stringify(reportAt('2026-11-02T10:00:00.000Z', path.join(ft, 'model.json'), { numClasses: 20, seed: 3 })));
    await write('.longtail/finetune/20261102T100000Z-la-head/training.json', JSON.stringify({ loss: { name: 'la', options: { tau: 1 } }, scope: 'head' }));
    // Broken runs: a schema failure, not JSON, an empty file; a folder without a report; a temporary folder.
    const bad = JSON.parse(JSON.stringify(reportAt('2026-11-04T10:00:00.000Z', model, { numClasses: 20 }))) as { classes: { bucket: string }[] };
    bad.classes[3].bucket = 'head';
    await write('.longtail/runs/bad-schema/report.json', JSON.stringify(bad));
    await write('.longtail/runs/not-json/report.json', '{"schemaVersion": 1,');
    await write('.longtail/runs/empty/report.json', '');
    await fs.mkdir(path.join(ws, '.longtail', 'runs', 'no-report'), { recursive: true });
    await write('.longtail/runs/.tmp-123/report.json', JSON.stringify(reportAt('2026-11-05T10:00:00.000Z', model, { numClasses: 20 })));
    await write('.longtail/runs/20261101T100000Z/tags.json', JSON.stringify({ tags: ['baseline'] }));
    await write('.longtail/runs/20261103T100000Z/tags.json', '{"tags": [1]}');
  });
  after(async () => {
    await fs.rm(ws, { recursive: true, force: true });
  });

  it('lists every run newest first; invalid reports are rows with a one-line error; folders without a report are skipped', async () => {
    const { runs: found, notes } = await new RunCollector(nodeRunFiles()).collect([ws]);
    assert.deepEqual(notes, []);
    const rows = found.map((f) => f.row);
    assert.deepEqual(
      rows.map((r) => r.folder),
      ['20261103T100000Z', '20261102T100000Z-la-head', '20261101T100000Z', 'not-json', 'empty', 'bad-schema'],
    );
    const [newest, ft, oldest] = rows;
    assert.equal(newest.kind, 'analysis');
    assert.equal(newest.id, '0/analysis/20261103T100000Z');
    assert.equal(newest.loss, 'ce', 'the checkpoint’s training.json');
    assert.equal(newest.scope, null);
    assert.deepEqual(newest.tags, []);
    assert.match(newest.tagsError ?? '', /tags\.json is not a valid tags file: \/tags\/0: a tag must be a string \(found number\)/);
    assert.equal(ft.kind, 'finetune');
    assert.equal(ft.loss, 'la (tau 1)');
    assert.equal(ft.scope, 'head');
    assert.deepEqual(oldest.tags, ['baseline']);
    assert.equal(oldest.tagsError, null);
    const expectedOld = reportAt('2026-11-01T10:00:00.000Z', '', { numClasses: 20, seed: 1 });
    assert.equal(oldest.metrics.balancedError, expectedOld.summary.balancedError);
    assert.equal(oldest.createdAt, '2026-11-01T10:00:00.000Z');
    assert.equal(oldest.model, path.join(ws, 'model', 'model.json'));
    const byFolder = new Map(rows.map((r) => [r.folder, r]));
    assert.match(byFolder.get('bad-schema')?.error ?? '', /bad-schema\/report\.json is not a valid Long-Tail Lens report: \/classes\/3\/bucket must be one of "many", "medium", "few" \(found string "head"\)/);
    assert.match(byFolder.get('not-json')?.error ?? '', /not-json\/report\.json is not valid JSON/);
    assert.match(byFolder.get('empty')?.error ?? '', /empty\/report\.json is empty, not a report\.json/);
    for (const r of rows.filter((x) => x.error !== null)) {
      assert.ok(!r.error?.includes('\n'), 'one line');
      assert.equal(r.metrics.balancedError, null);
      assert.equal(r.createdAt, null);
    }
    assert.equal(found[0].runDir, path.join(ws, '.longtail', 'runs', '20261103T100000Z'));
  });

  it('a second listing re-reads only changed reports and always re-reads tags', async () => {
    let reads = 0;
    const base = nodeRunFiles();
    const collector = new RunCollector(nodeRunFiles({ readFile: async (f) => { if (f.endsWith('report.json')) reads++; return base.readFile(f); } }));
    await collector.collect([ws]);
    assert.equal(reads, 6);
    reads = 0;
    const dir = path.join(ws, '.longtail', 'runs', '20261101T100000Z');
    await writeTags(base, dir, ['baseline', 'seed 1']);
    let rows = (await collector.collect([ws])).runs.map((f) => f.row);
    assert.equal(reads, 0, 'no report re-read');
    assert.deepEqual(rows.find((r) => r.folder === '20261101T100000Z')?.tags, ['baseline', 'seed 1']);
    // Watch mode writes a new run: only it is read.
    const model = path.join(ws, 'model', 'model.json');
    await write('.longtail/runs/20261106T100000Z/report.json', JSON.stringify(reportAt('2026-11-06T10:00:00.000Z', model, { numClasses: 20, seed: 9 })));
    rows = (await collector.collect([ws])).runs.map((f) => f.row);
    assert.equal(reads, 1);
    assert.equal(rows[0].folder, '20261106T100000Z');
  });

  it('no .longtail folder: no runs', async () => {
    const empty = await fs.mkdtemp(path.join(tmpdir(), 'lt-runs-empty-'));
    try {
      assert.deepEqual(await new RunCollector(nodeRunFiles()).collect([empty]), { runs: [], notes: [], incomplete: false });
    } finally {
      await fs.rm(empty, { recursive: true, force: true });
    }
  });
});
