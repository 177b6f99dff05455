/** Table-driven bad-input checks: each case must fail fast with the right code and a message naming the file. */
import { strict as assert } from 'node:assert';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { openDataset } from '../../../src/engine/data/openDataset';
import { readClassCounts } from '../../../src/engine/data/classCounts';
import { readTensorFile } from '../../../src/engine/io/tensorFile';
import { cifarBytes, encodeValues, gzip, idxImagesBytes, idxLabelsBytes, npyBytes, npzBytes, safetensorsBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

const imgs = idxImagesBytes(4, 2, 2, () => 1);

interface Case {
  readonly name: string;
  /** Creates the input and returns the path to open and the path the message must name. */
  readonly make: (d: string) => { open: string; names?: string };
  readonly code: ErrorCode;
  readonly message?: RegExp;
  /** How to open (default openDataset + one batch). */
  readonly via?: 'dataset' | 'tensor' | 'counts';
}

const cases: Case[] = [
  { name: 'missing file', make: (d) => ({ open: join(d, 'nope.npz') }), code: ErrorCode.FileNotFound },
  { name: 'missing tensor file', make: (d) => ({ open: join(d, 'nope.npy') }), code: ErrorCode.FileNotFound, via: 'tensor' },
  { name: 'unknown format (text)', make: (d) => ({ open: writeFile(d, 'x.dat', 'just some words\nand more') }), code: ErrorCode.UnknownFormat },
  { name: 'unknown format (random binary)', make: (d) => ({ open: writeFile(d, 'x.bin', Buffer.from([1, 2, 3, 4, 5, 250, 0, 7])) }), code: ErrorCode.UnknownFormat },
  { name: 'npz that is not a zip', make: (d) => ({ open: writeFile(d, 'fake.npz', 'not a zip at all') }), code: ErrorCode.UnknownFormat, via: 'tensor' },
  { name: 'truncated npz', make: (d) => { const b = npzBytes({ labels: npyBytes('i4', [3], [0, 1, 2]) }); return { open: writeFile(d, 'cut.npz', b.subarray(0, b.length - 10)) }; }, code: ErrorCode.InvalidFile },
  { name: 'wrong IDX magic', make: (d) => { const b = Buffer.from(imgs); b[3] = 2; writeFile(d, 'w-labels-idx1-ubyte', idxLabelsBytes([0, 1, 2, 3])); return { open: writeFile(d, 'w-images-idx3-ubyte', b) }; }, code: ErrorCode.InvalidFile, message: /IDX magic/ },
  { name: 'IDX magic wrong inside a named images file', make: (d) => ({ open: join(d, 'm'), names: writeFile(mk(d, 'm'), 'train-images-idx3-ubyte', Buffer.from('hello world, no magic')) }), code: ErrorCode.InvalidFile, message: /wrong IDX magic/ },
  { name: 'truncated IDX images', make: (d) => { writeFile(d, 't-labels-idx1-ubyte', idxLabelsBytes([0, 1, 2, 3])); return { open: writeFile(d, 't-images-idx3-ubyte', imgs.subarray(0, imgs.length - 3)) }; }, code: ErrorCode.InvalidFile, message: /truncated/ },
  { name: 'truncated gzip IDX', make: (d) => { const g = gzip(imgs); writeFile(d, 'g-labels-idx1-ubyte', idxLabelsBytes([0, 1, 2, 3])); return { open: writeFile(d, 'g-images-idx3-ubyte.gz', g.subarray(0, g.length - 8)) }; }, code: ErrorCode.InvalidFile },
  { name: 'IDX label count mismatch', make: (d) => { writeFile(d, 'c-labels-idx1-ubyte', idxLabelsBytes([0, 1])); return { open: writeFile(d, 'c-images-idx3-ubyte', imgs) }; }, code: ErrorCode.ShapeMismatch },
  { name: 'truncated CIFAR batch', make: (d) => { const b = cifarBytes([1, 2], 'cifar10', () => 0); return { open: writeFile(mk(d, 'cif'), 'data_batch_1.bin', b.subarray(0, b.length - 100)) }; }, code: ErrorCode.InvalidFile, message: /truncated/ },
  { name: 'truncated CIFAR-sized file with another name', make: (d) => { const b = cifarBytes([1, 2], 'cifar10', () => 0); return { open: writeFile(d, 'mystery.bin', b.subarray(0, b.length - 100)) }; }, code: ErrorCode.UnknownFormat },
  { name: 'truncated CIFAR batch in a CIFAR directory', make: (d) => { const b = cifarBytes([1, 2], 'cifar10', () => 0); const sub = mk(d, 'cif2'); return { open: sub, names: writeFile(sub, 'data_batch_1.bin', b.subarray(0, b.length - 100)) }; }, code: ErrorCode.InvalidFile, message: /not a CIFAR binary batch|truncated/ },
  { name: 'CIFAR-10 label out of range', make: (d) => ({ open: writeFile(d, 'lab.bin', cifarBytes([1, 12], 'cifar10', () => 3)) }), code: ErrorCode.InvalidLabels, message: /record 1 has label 12/ },
  { name: 'negative labels', make: (d) => ({ open: writeFile(d, 'neg.npz', npzBytes({ features: npyBytes('f4', [2, 1], [0, 1]), labels: npyBytes('i8', [2], [0, -1]) })) }), code: ErrorCode.InvalidLabels, message: /label 1 is -1/ },
  { name: 'non-integer labels', make: (d) => ({ open: writeFile(d, 'frac.npz', npzBytes({ features: npyBytes('f4', [2, 1], [0, 1]), labels: npyBytes('f8', [2], [0, 1.5]) })) }), code: ErrorCode.InvalidLabels },
  { name: 'labels out of range of logits', make: (d) => ({ open: writeFile(d, 'range.npz', npzBytes({ features: npyBytes('f4', [2, 1], [0, 1]), labels: npyBytes('i4', [2], [0, 3]), logits: npyBytes('f4', [2, 2], [0, 0, 0, 0]) })) }), code: ErrorCode.InvalidLabels, message: /outside \[0, 2\)/ },
  { name: 'list file with a bad label', make: (d) => ({ open: writeFile(d, 'bad_list.txt', 'a.png 0\nb.png 1\nc.png x1\n') }), code: ErrorCode.InvalidLabels, message: /:3: label 'x1'/ },
  { name: 'list file with a negative label', make: (d) => ({ open: writeFile(d, 'neg_list.txt', 'a.png 0\nb.png -1\n') }), code: ErrorCode.InvalidLabels, message: /:2:/ },
  { name: 'NaN in features', make: (d) => ({ open: writeFile(d, 'nan.npz', npzBytes({ features: npyBytes('f4', [2, 2], [0, 1, NaN, 2]), labels: npyBytes('i4', [2], [0, 1]) })) }), code: ErrorCode.NonFinite, message: /row 1/ },
  { name: 'Inf in safetensors features', make: (d) => ({ open: writeFile(d, 'inf.safetensors', safetensorsBytes({ features: { dtype: 'F32', shape: [2, 1], bytes: encodeValues('f4', [Infinity, 0]) }, labels: { dtype: 'I64', shape: [2], bytes: encodeValues('i8', [0, 1]) } })) }), code: ErrorCode.NonFinite },
  { name: 'NaN in stored logits', make: (d) => ({ open: writeFile(d, 'nanlog.npz', npzBytes({ features: npyBytes('f4', [1, 1], [0]), labels: npyBytes('i4', [1], [0]), logits: npyBytes('f4', [1, 2], [0, NaN]) })) }), code: ErrorCode.NonFinite },
  { name: 'features/labels length mismatch', make: (d) => ({ open: writeFile(d, 'len.npz', npzBytes({ features: npyBytes('f4', [3, 1], [0, 1, 2]), labels: npyBytes('i4', [2], [0, 1]) })) }), code: ErrorCode.ShapeMismatch },
  { name: 'npz without labels', make: (d) => ({ open: writeFile(d, 'nolab.npz', npzBytes({ features: npyBytes('f4', [1, 1], [0]) })) }), code: ErrorCode.UnknownFormat, message: /labels/ },
  { name: 'empty dataset (npz)', make: (d) => ({ open: writeFile(d, 'empty.npz', npzBytes({ features: npyBytes('f4', [0, 3], []), labels: npyBytes('i4', [0], []) })) }), code: ErrorCode.EmptyDataset },
  { name: 'empty dataset (IDX with 0 images)', make: (d) => { writeFile(d, 'e-labels-idx1-ubyte', idxLabelsBytes([])); return { open: writeFile(d, 'e-images-idx3-ubyte', idxImagesBytes(0, 2, 2, () => 0)) }; }, code: ErrorCode.EmptyDataset },
  { name: 'empty dataset (subset index)', make: (d) => { writeFile(d, 'l.npz', npzBytes({ labels: npyBytes('i4', [2], [0, 1]) })); return { open: writeFile(d, 'none.json', JSON.stringify({ source: 'l.npz', indices: [] })) }; }, code: ErrorCode.EmptyDataset },
  { name: 'subset counts that do not match the source', make: (d) => { writeFile(d, 'l.npz', npzBytes({ labels: npyBytes('i4', [3], [0, 1, 1]) })); return { open: writeFile(d, 'sub.json', JSON.stringify({ source: 'l.npz', counts: [1, 1], indices: [0, 1, 2] })) }; }, code: ErrorCode.InvalidFile, message: /class 1 is 1 but the indices select 2/ },
  { name: 'folder with no dataset', make: (d) => { const r = mk(d, 'nothing'); mk(r, 'cls'); writeFile(join(r, 'cls'), 'readme.md', 'hi'); return { open: r }; }, code: ErrorCode.UnknownFormat },
  { name: 'empty file', make: (d) => ({ open: writeFile(d, 'zero.bin', Buffer.alloc(0)) }), code: ErrorCode.EmptyDataset },
  { name: 'undecodable image', make: (d) => { const r = mk(d, 'undec'); mk(r, 'c'); return { open: r, names: writeFile(join(r, 'c'), 'x.jpg', Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3])) }; }, code: ErrorCode.InvalidFile, message: /cannot decode image/ },
  { name: 'a single .npy is not a dataset', make: (d) => ({ open: writeFile(d, 'one.npy', npyBytes('f4', [1], [0])) }), code: ErrorCode.UnknownFormat },
  { name: 'class names JSON is not a dataset', make: (d) => ({ open: writeFile(d, 'names.json', '["a","b"]') }), code: ErrorCode.UnknownFormat },
  { name: 'subset index pointing nowhere', make: (d) => ({ open: writeFile(d, 'sub.json', JSON.stringify({ source: 'missing.npz', indices: [0] })) }), code: ErrorCode.FileNotFound, message: /subset source .*missing\.npz/ },
  { name: 'iNat image without annotation', make: (d) => ({ open: writeFile(d, 'inat.json', JSON.stringify({ images: [{ id: 1, file_name: 'a.png' }], annotations: [], categories: [{ id: 0, name: 'a' }] })) }), code: ErrorCode.InvalidLabels },
  { name: 'class counts with a negative count', make: (d) => ({ open: writeFile(d, 'counts.json', '[10, -1]') }), code: ErrorCode.InvalidFile, via: 'counts' },
  { name: 'class counts not JSON', make: (d) => ({ open: writeFile(d, 'counts.txt', 'ten, five') }), code: ErrorCode.UnknownFormat, via: 'counts' },
];

function mk(d: string, name: string): string {
  const p = join(d, name);
  mkdirSync(p, { recursive: true });
  return p;
}

function snapshot(d: string): string {
  const walk = (p: string): string[] =>
    readdirSync(p, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(p, e.name)) : [`${join(p, e.name)}:${statSync(join(p, e.name)).size}:${readFileSync(join(p, e.name)).length}`]));
  return walk(d).sort().join('\n');
}

describe('bad input fails fast with a typed error naming the file', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const d = mk(dir, c.name.replace(/[^a-z0-9]+/gi, '_'));
      const { open, names } = c.make(d);
      const before = snapshot(d);
      const started = Date.now();
      const attempt = async (): Promise<void> => {
        if (c.via === 'tensor') {
          await readTensorFile(open);
        } else if (c.via === 'counts') {
          await readClassCounts(open);
        } else {
          const ds = await openDataset(open, { split: 'train' });
          try {
            await ds.readBatch(0, ds.size);
          } finally {
            await ds.close();
          }
        }
      };
      await assert.rejects(attempt(), (e: unknown) => {
        assert.ok(e instanceof LongtailError, `not a LongtailError: ${String(e)}`);
        assert.equal(e.code, c.code, e.message);
        assert.ok(e.message.includes(names ?? open), `message should name ${names ?? open}: ${e.message}`);
        assert.ok(!e.message.includes('\n'), 'one line');
        if (c.message) assert.match(e.message, c.message);
        return true;
      });
      assert.ok(Date.now() - started < 2000, 'fast');
      assert.equal(snapshot(d), before, 'nothing changed on disk');
    });
  }
});
