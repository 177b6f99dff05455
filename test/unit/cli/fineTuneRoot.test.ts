// `longtail finetune --root`: a list file (ImageNet-LT style) that does not sit in its image folder trains from the
// images under --root, train and eval alike; without --root the first image is a one-line FILE_NOT_FOUND naming it.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/cli';
import { saveTinyLayersModel } from '../../fixtures/tinyModels';
import { pngBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir('longtail-finetune-root-');
after(cleanup);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) }, { isCancellationRequested: false });
  return { code, out, err };
}

describe('longtail finetune --root', () => {
  const images = join(dir, 'imagenet');
  const lines: string[] = [];
  for (let k = 0; k < 2; k++) {
    mkdirSync(join(images, 'train', `n0${k}`), { recursive: true });
    for (let i = 0; i < 3; i++) {
      writeFile(join(images, 'train', `n0${k}`), `${i}.png`, pngBytes(8, 8, (y, x) => (k === 0 ? [20 + i, 30, 40] : [200, 180 + x, 160 + y])));
      lines.push(`train/n0${k}/${i}.png ${k}`);
    }
  }
  const splits = join(dir, 'splits');
  mkdirSync(splits);
  const list = writeFile(splits, 'ImageNet_LT_train.txt', lines.join('\n') + '\n');

  it('reads train and eval images relative to --root and writes the run', async () => {
    const model = await saveTinyLayersModel(join(dir, 'model'), { inputShape: [8, 8, 3], numClasses: 2 });
    const out = join(dir, 'run');
    const r = await cli(['finetune', '--model', model, '--train', list, '--eval', list, '--root', images, '--loss', 'ce', '--epochs', '1', '--out', out, '--workspace', dir, '--backend', 'cpu']);
    assert.equal(r.code, 0, r.err);
    const training = JSON.parse(readFileSync(join(out, 'training.json'), 'utf8')) as { history: unknown[] };
    assert.equal(training.history.length, 1);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { classes: { trainCount: number; evalCount: number }[] };
    assert.deepEqual(
      report.classes.map((c) => [c.trainCount, c.evalCount]),
      [
        [3, 3],
        [3, 3],
      ],
    );
  });

  it('without --root, the missing image is named in one line', async () => {
    const model = join(dir, 'model', 'model.json');
    const out = join(dir, 'run-no-root');
    const r = await cli(['finetune', '--model', model, '--train', list, '--loss', 'ce', '--epochs', '1', '--out', out, '--workspace', dir, '--backend', 'cpu']);
    assert.notEqual(r.code, 0);
    const errors = r.err.split('\n').filter((l) => l.startsWith('error'));
    assert.deepEqual(errors, [`error[FILE_NOT_FOUND]: ${join(splits, 'train', 'n00', '0.png')}: no such file or directory`], r.err);
    assert.equal(existsSync(join(out, 'report.json')), false);
  });
});
