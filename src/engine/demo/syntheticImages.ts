/**
 * A generated stand-in for Fashion-MNIST, used by the demo only when Debian's dataset-fashion-mnist
 * is not installed: 28×28 grayscale images of 10 classes, each class a fixed random smooth template
 * plus per-image noise and a random shift, written as gzipped IDX files with Fashion-MNIST's file
 * names so every reader treats it like the real thing. Deterministic for a seed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { mulberry32 } from '../data/seededRandom';

const side = 28;

/** IDX file bytes: magic (0, 0, 0x08 = uint8, rank), big-endian int32 dims, then the data. */
export function idxBytes(dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

function templates(random: () => number, classes: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let c = 0; c < classes; c++) {
    const t = new Float32Array(side * side);
    // A few Gaussian blobs per class.
    for (let blob = 0; blob < 4; blob++) {
      const cy = 6 + random() * 16;
      const cx = 6 + random() * 16;
      const s = 2 + random() * 4;
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          t[y * side + x] += Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * s * s));
        }
      }
    }
    out.push(t);
  }
  return out;
}

function render(template: Float32Array, random: () => number, out: Uint8Array, offset: number): void {
  const dy = Math.floor(random() * 5) - 2;
  const dx = Math.floor(random() * 5) - 2;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const sy = Math.min(side - 1, Math.max(0, y - dy));
      const sx = Math.min(side - 1, Math.max(0, x - dx));
      const v = template[sy * side + sx] * 180 + (random() - 0.5) * 120;
      out[offset + y * side + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
}

/** Writes train/t10k IDX files (`perClassTrain` and `perClassTest` images per class) into `dir`. */
export async function writeSyntheticImageDataset(dir: string, options: { perClassTrain: number; perClassTest: number; seed: number }): Promise<void> {
  const classes = 10;
  const random = mulberry32(options.seed);
  const temps = templates(random, classes);
  await fs.mkdir(dir, { recursive: true });
  for (const [prefix, perClass] of [['train', options.perClassTrain], ['t10k', options.perClassTest]] as const) {
    const n = perClass * classes;
    const images = new Uint8Array(n * side * side);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % classes;
      labels[i] = c;
      render(temps[c], random, images, i * side * side);
    }
    await fs.writeFile(path.join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(idxBytes([n, side, side], images)));
    await fs.writeFile(path.join(dir, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(idxBytes([n], labels)));
  }
}
