// Class-named image folders: with class names given, folders map to classes by name (exactly, else ignoring case
// and punctuation), so labels follow the model's order, not the folders' sort order; without names, torchvision's
// sorted order; folders named by index fall back to position; a folder matching no name is refused by name.
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { openDataset } from '../../../src/engine/data/openDataset';
import { pngBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

// Fashion-MNIST's own class order; sorted, the folders would be Ankle boot, Bag, Coat, Dress, …
const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function makeFolders(root: string, folderOf: (i: number) => string): void {
  names.forEach((_, i) => {
    const folder = join(root, folderOf(i));
    mkdirSync(folder, { recursive: true });
    for (let k = 0; k <= i % 3; k++) writeFile(folder, `img${k}.png`, pngBytes(4, 4, () => [i * 20, i * 20, i * 20]));
  });
}

async function labelsAndNames(root: string, classNamesFile?: string): Promise<{ labels: number[]; classNames: readonly string[] | null; convention?: string }> {
  const ds = await openDataset(root, { classNamesFile });
  try {
    return { labels: [...(await ds.readLabels())], classNames: ds.classNames, convention: ds.classOrder?.convention };
  } finally {
    await ds.close();
  }
}

describe('class-named image folders', () => {
  const namesFile = writeFile(dir, 'classes.json', JSON.stringify(names));
  const named = join(dir, 'named');
  makeFolders(named, (i) => names[i].replace('/', '_')); // 'T-shirt_top': a folder cannot hold '/'
  const expected = names.flatMap((_, i) => Array.from({ length: (i % 3) + 1 }, () => i));

  it('with class names, maps folders by name: the labels are the model order', async () => {
    const got = await labelsAndNames(named, namesFile);
    assert.equal(got.convention, 'by-name');
    assert.deepEqual(got.classNames, names);
    assert.deepEqual([...got.labels].sort((a, b) => a - b), expected);
    // The images of class 'Ankle boot' (index 9) come first in file order (sorted folders) and carry label 9.
    assert.equal(got.labels[0], 9);
  });

  it('without class names, sorted folder order (torchvision ImageFolder) and says so', async () => {
    const got = await labelsAndNames(named);
    assert.equal(got.convention, 'sorted');
    assert.equal(got.classNames![0], 'Ankle boot');
    assert.equal(got.labels[0], 0);
  });

  it('folders named by index take the names by position', async () => {
    const indexed = join(dir, 'indexed');
    makeFolders(indexed, (i) => `class_${i}`);
    const got = await labelsAndNames(indexed, namesFile);
    assert.equal(got.convention, 'sorted');
    assert.deepEqual(got.classNames, names);
    assert.deepEqual(got.labels, expected);
  });

  it('refuses a folder that matches no name when others match', async () => {
    const mixed = join(dir, 'mixed');
    makeFolders(mixed, (i) => (i === 4 ? 'Jacket' : names[i].replace('/', '_')));
    await assert.rejects(openDataset(mixed, { classNamesFile: namesFile }), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.ShapeMismatch && /Jacket: the class folder 'Jacket' matches none of the 10 class names/.test(e.message));
  });
});
