// "Export report as HTML" (VS Code) embeds the drill-down thumbnails like `longtail report`: the engine's data/examples
// over the report's examples, the same 2 MiB budget; when the eval data is gone the export still happens with a
// one-line note.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exampleThumbnails } from '../../../src/engine/drilldown/exampleThumbnails';
import type { Report } from '../../../src/protocol/report';
import { standaloneThumbnailSide } from '../../../src/protocol/webviewProtocol';
import { thumbnailCandidates, thumbnailSummary, thumbnailsForExport } from '../../../src/report/thumbnailSelection';
import { makeReport } from '../../fixtures/makeReport';
import { idxImagesBytes, idxLabelsBytes, tempDir, writeFile } from '../../fixtures/writers';

/** A 3-class report whose examples are eval indices 0…5 of a 6-image IDX file. */
function report(): Report {
  const base = makeReport({ numClasses: 3 });
  const examples = [[{ index: 4, predicted: 1, confidence: 0.9 }, { index: 0, predicted: 2, confidence: 0.6 }], [{ index: 5, predicted: 0, confidence: 0.8 }], []];
  return {
    ...base,
    classes: base.classes.map((c, y) => ({ ...c, examples: examples[y] })),
    confusion: { ...base.confusion, order: [0, 1, 2], topPairs: [{ trueClass: 0, predictedClass: 1, count: 3, examples: [4, 2] }] },
  };
}

describe('thumbnails of an exported HTML report', () => {
  it('embeds an engine-decoded thumbnail of every candidate when the eval data is there', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFile(dir, 'imgs-idx3-ubyte', idxImagesBytes(6, 8, 8, (i, y, x) => (x + y + i) % 2 ? 255 : 0));
      writeFile(dir, 'imgs-idx1-ubyte', idxLabelsBytes([0, 1, 2, 0, 1, 2]));
      const r = report();
      const evalPath = join(dir, 'imgs-idx3-ubyte');
      const embedded = await thumbnailsForExport(r, (indices) => exampleThumbnails({ eval: evalPath, indices, maxSide: standaloneThumbnailSide }));
      assert.equal(embedded.note, null);
      assert.ok(embedded.thumbnails);
      assert.deepEqual(Object.keys(embedded.thumbnails.thumbnails).map(Number).sort(), [...thumbnailCandidates(r)].sort());
      assert.deepEqual(thumbnailCandidates(r), [4, 2, 5, 0]);
      for (const uri of Object.values(embedded.thumbnails.thumbnails)) assert.match(uri, /^data:image\/png;base64,/);
      const total = Object.values(embedded.thumbnails.thumbnails).reduce((s, u) => s + u.length, 0);
      assert.equal(thumbnailSummary(embedded.thumbnails), `4 example thumbnails (${(total / 1024).toFixed(0)} KiB of the 2 MiB budget)`);
      // The same budget rule as the CLI: a budget of one thumbnail keeps the first candidate only.
      const first = embedded.thumbnails.thumbnails['4'];
      const tight = await thumbnailsForExport(r, (indices) => exampleThumbnails({ eval: evalPath, indices, maxSide: standaloneThumbnailSide }), first.length);
      assert.deepEqual(Object.keys(tight.thumbnails?.thumbnails ?? {}), ['4']);
    } finally {
      cleanup();
    }
  });

  it('when the eval data is gone: no thumbnails and a one-line note naming the file', async () => {
    const missing = '/nonexistent/longtail/eval-idx3-ubyte';
    const embedded = await thumbnailsForExport(report(), (indices) => exampleThumbnails({ eval: missing, indices, maxSide: standaloneThumbnailSide }));
    assert.equal(embedded.thumbnails, null);
    assert.ok(embedded.note);
    assert.match(embedded.note, /^no example thumbnails embedded \(.*\/nonexistent\/longtail\/eval-idx3-ubyte.*\)$/);
    assert.ok(!embedded.note.includes('\n'));
    assert.equal(thumbnailSummary(embedded.thumbnails), null);
  });

  it('a multi-line error keeps its first line only', async () => {
    const embedded = await thumbnailsForExport(report(), () => Promise.reject(new Error('engine exited\n    at stack')));
    assert.equal(embedded.note, 'no example thumbnails embedded (engine exited)');
  });
});
