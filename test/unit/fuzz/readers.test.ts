/**
 * Fuzzing every reader of untrusted bytes (issue #14) with fast-check: valid files of each format are
 * mutated (byte changes biased to the header, truncation, appended bytes) and opened through the
 * engine's own entry points. The property: the reader either succeeds or throws a LongtailError (never a
 * RangeError, TypeError or a foreign library's error), within a time bound, without large allocations.
 * Seeds are fixed so a run is reproducible; inputs that once broke a reader are kept below as regression
 * cases (`regressions`) and run on every test run.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeImageBytes } from '../../../src/engine/data/imageDecode';
import { openDataset } from '../../../src/engine/data/openDataset';
import { readTensorFile } from '../../../src/engine/io/tensorFile';
import { detectModelFormat } from '../../../src/engine/model/detectModelFormat';
import { checkOnnxTensors } from '../../../src/engine/model/onnxClassifier';
import { parseOnnxModel } from '../../../src/engine/model/onnxModel';
import { readModelArtifacts } from '../../../src/engine/model/tfjsIoHandler';
import { LongtailError } from '../../../src/protocol/errors';
import { buildTinyOnnx } from '../../fixtures/onnxTiny/buildTinyOnnx';
import { cifarBytes, encodeValues, gzip, idxImagesBytes, idxLabelsBytes, jpegBytes, npyBytes, npzBytes, pngBytes, safetensorsBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir('longtail-fuzz-');
after(cleanup);

/** Runs per reader: enough to hit header fields many times, few enough to keep the suite under ~60 s. */
const numRuns = Number(process.env.LONGTAIL_FUZZ_RUNS ?? 300);
/** A seed offset to explore beyond the fixed seeds (`LONGTAIL_FUZZ_SEED=…`); 0 in CI. */
const seedOffset = Number(process.env.LONGTAIL_FUZZ_SEED ?? 0);
/** Longest one reader call may take. */
const perCallMs = 3000;

/** A mutation of a base file: some bytes replaced (half of them in the first 64), then optionally cut or extended. */
interface Mutation {
  readonly edits: readonly (readonly [number, number, boolean])[];
  readonly cut: number | null;
  readonly extra: Uint8Array;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), { maxLength: 6 }),
  cut: fc.option(fc.nat(), { nil: null }),
  extra: fc.uint8Array({ maxLength: 16 }),
});

function mutate(base: Uint8Array, m: Mutation): Buffer {
  const out = Buffer.from(base);
  for (const [pos, value, inHeader] of m.edits) {
    if (out.length > 0) {
      out[inHeader ? pos % Math.min(64, out.length) : pos % out.length] = value;
    }
  }
  const cut = m.cut === null ? out : out.subarray(0, m.cut % (out.length + 1));
  return Buffer.concat([cut, m.extra]);
}

/** Asserts that `run` resolves or rejects with a LongtailError, in time. */
async function onlyLongtailErrors(what: string, input: Uint8Array, run: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  try {
    await run();
  } catch (error) {
    if (!(error instanceof LongtailError)) {
      const hex = Buffer.from(input).toString('base64');
      assert.fail(`${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\ninput (base64): ${hex}`);
    }
    assert.ok(!error.message.includes('\n'), `${what}: one-line message: ${error.message}`);
  }
  assert.ok(Date.now() - started < perCallMs, `${what}: took ${Date.now() - started} ms`);
}

/** One fuzzed reader: the base files to mutate and how to read a candidate. */
interface Target {
  readonly name: string;
  readonly seed: number;
  readonly bases: readonly Uint8Array[];
  readonly read: (bytes: Buffer) => Promise<unknown>;
}

function inFile(name: string, extraFiles: Record<string, Uint8Array> = {}): (bytes: Buffer) => string {
  const folder = join(dir, name.replace(/\W+/g, '_'));
  mkdirSync(folder, { recursive: true });
  for (const [file, bytes] of Object.entries(extraFiles)) {
    writeFile(folder, file, bytes);
  }
  return (bytes) => writeFile(folder, name, bytes);
}

async function readAllOf(path: string): Promise<void> {
  const ds = await openDataset(path, { split: 'train' });
  try {
    await ds.readLabels();
    await ds.readBatch(0, Math.min(ds.size, 4));
  } finally {
    await ds.close();
  }
}

const features = npyBytes('f4', [3, 2], [0, 1, 2, 3, 4, 5]);
const labels = npyBytes('i4', [3], [0, 1, 0]);
const npzFile = inFile('data.npz');
const npyFile = inFile('x.npy');
const stFile = inFile('data.safetensors');
const onnxFile = inFile('model.onnx');
const idxFile = inFile('train-images-idx3-ubyte', { 'train-labels-idx1-ubyte': idxLabelsBytes([0, 1, 2]) });
const idxGzFile = inFile('train-images-idx3-ubyte.gz', { 'train-labels-idx1-ubyte.gz': gzip(idxLabelsBytes([0, 1, 2])) });
const cifarFile = inFile('data_batch_1.bin');
const modelJsonFile = inFile('model.json', { 'weights.bin': Buffer.from(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]).buffer) });

const modelJson = JSON.stringify({
  format: 'layers-model',
  modelTopology: {
    class_name: 'Sequential',
    config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'fc', units: 2, batch_input_shape: [null, 3] } }] },
  },
  weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'fc/kernel', shape: [3, 2], dtype: 'float32' }, { name: 'fc/bias', shape: [2], dtype: 'float32' }] }],
});

const targets: Target[] = [
  {
    name: 'npz (stored and deflated zip)',
    seed: 1401,
    bases: [npzBytes({ features, labels }), npzBytes({ features, labels }, { deflate: true }), npzBytes({ features, labels }, { zip64: true })],
    read: (b) => readTensorFile(npzFile(b)),
  },
  { name: 'npy', seed: 1402, bases: [features, npyBytes('f8', [2, 2], [1, 2, 3, 4], { version: 2 })], read: (b) => readTensorFile(npyFile(b)) },
  {
    name: 'safetensors',
    seed: 1403,
    bases: [safetensorsBytes({ features: { dtype: 'F32', shape: [3, 2], bytes: encodeValues('f4', [0, 1, 2, 3, 4, 5]) }, labels: { dtype: 'I64', shape: [3], bytes: encodeValues('i8', [0, 1, 0]) } })],
    read: (b) => readTensorFile(stFile(b)),
  },
  {
    name: 'ONNX protobuf',
    seed: 1404,
    bases: [buildTinyOnnx(), buildTinyOnnx({ headOnly: true, transB: true })],
    read: async (b) => {
      const file = onnxFile(b);
      const detected = await detectModelFormat(file);
      if (detected.format === 'onnx') {
        await checkOnnxTensors(parseOnnxModel(detected.onnxBytes ?? new Uint8Array()), file);
      }
    },
  },
  { name: 'IDX images', seed: 1405, bases: [idxImagesBytes(3, 2, 2, (i) => i)], read: (b) => readAllOf(idxFile(b)) },
  { name: 'IDX images, gzip', seed: 1406, bases: [gzip(idxImagesBytes(3, 2, 2, (i) => i))], read: (b) => readAllOf(idxGzFile(b)) },
  { name: 'CIFAR batch', seed: 1407, bases: [cifarBytes([1, 2, 3], 'cifar10', () => 7)], read: (b) => readAllOf(cifarFile(b)) },
  { name: 'TF.js model.json', seed: 1408, bases: [Buffer.from(modelJson)], read: (b) => readModelArtifacts(modelJsonFile(b)) },
  {
    name: 'PNG and JPEG',
    seed: 1409,
    bases: [pngBytes(3, 2, () => [10, 20, 30]), jpegBytes(8, 8, () => [200, 10, 10])],
    read: async (b) => decodeImageBytes(b, 'fuzz-image'),
  },
];

/**
 * Inputs that once broke a property (found by fast-check; kept so they run every time): the target, the
 * base file and the mutation. Both first made multi-line messages by quoting file content with a newline.
 */
const regressions: readonly { readonly target: string; readonly base: number; readonly mutation: Mutation }[] = [
  // An npy header dict with a newline in it was quoted raw in "malformed .npy header: …".
  { target: 'npy', base: 0, mutation: { edits: [[1265680907, 10, false]], cut: null, extra: new Uint8Array() } },
  // JSON.parse's message quotes the text around the error, newline included.
  { target: 'TF.js model.json', base: 0, mutation: { edits: [[917702858, 10, true]], cut: null, extra: new Uint8Array() } },
];

/** Paths into the model.json that size allocations or name files; values there are replaced by arbitrary JSON. */
const modelJsonPaths: readonly (readonly (string | number)[])[] = [
  ['modelTopology', 'config', 'layers', 0, 'config', 'units'],
  ['modelTopology', 'config', 'layers', 0, 'config'],
  ['modelTopology', 'config', 'layers'],
  ['modelTopology'],
  ['weightsManifest', 0, 'paths', 0],
  ['weightsManifest', 0, 'paths'],
  ['weightsManifest', 0, 'weights', 0, 'shape'],
  ['weightsManifest', 0, 'weights', 0, 'shape', 0],
  ['weightsManifest', 0, 'weights', 0, 'dtype'],
  ['weightsManifest', 0, 'weights', 1],
  ['weightsManifest'],
];

function setPath(root: unknown, at: readonly (string | number)[], value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(root)) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const key of at.slice(0, -1)) {
    node = node[key] as Record<string | number, unknown>;
  }
  node[at[at.length - 1]] = value;
  return copy;
}

describe('fuzzed model.json structure', () => {
  it('arbitrary JSON at size and path fields gives only LongtailError', { timeout: 60_000 }, async () => {
    const base = JSON.parse(modelJson) as unknown;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...modelJsonPaths), fc.jsonValue({ maxDepth: 2 }), async (at, value) => {
        const bytes = Buffer.from(JSON.stringify(setPath(base, at, value)));
        await onlyLongtailErrors('model.json structure', bytes, () => readModelArtifacts(modelJsonFile(bytes)));
      }),
      { numRuns, seed: 1410 + seedOffset },
    );
  });
});

describe('fuzzed readers throw only LongtailError, in bounded time and memory', () => {
  for (const target of targets) {
    it(target.name, { timeout: 60_000 }, async () => {
      const rss = process.memoryUsage().rss;
      for (const r of regressions.filter((x) => x.target === target.name)) {
        const bytes = mutate(target.bases[r.base], r.mutation);
        await onlyLongtailErrors(`${target.name} regression`, bytes, () => target.read(bytes));
      }
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: target.bases.length - 1 }), mutation, async (which, m) => {
          const bytes = mutate(target.bases[which], m);
          await onlyLongtailErrors(target.name, bytes, () => target.read(bytes));
        }),
        { numRuns, seed: target.seed + seedOffset },
      );
      assert.ok(process.memoryUsage().rss - rss < 512 * 1024 * 1024, `${target.name}: RSS grew by ${(process.memoryUsage().rss - rss) / 2 ** 20} MiB`);
    });
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));
