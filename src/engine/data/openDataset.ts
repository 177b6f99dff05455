/**
 * Opens any supported dataset from a path, detecting the format from content (magic numbers, zip
 * signature, JSON keys, record sizes), not only from the name.
 *
 * Files: IDX images (raw or `.gz`), CIFAR binary batches, `.npz`/`.safetensors` arrays, list files,
 * iNaturalist JSON, subset index JSON (`{source, indices, …}`, `source` relative to the JSON's directory);
 * sharded feature files (`features-00000-of-00008.npz`, a glob `features-*.npz`, or `{ "shards": [...] }`).
 * Directories: image folders; standard datasets with splits — MNIST-style IDX (`train-*`/`t10k-*`),
 * CIFAR-10 (`data_batch_*.bin`/`test_batch.bin`, also inside `cifar-10-batches-bin/`), CIFAR-100
 * (`train.bin`/`test.bin`, also inside `cifar-100-binary/`), `train/` + `test/` (or `val/`) folders, and
 * split files (`train.npz`, `ImageNet_LT_test.txt`, `val2018.json`, …). A directory with splits needs
 * `split` ({@link ErrorCode.InvalidOption} otherwise); `split` is ignored for single-split paths.
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { inflatePrefix } from '../io/boundedInflate';
import { fsError, openForRead, readTextFile, readUpTo } from '../io/fileAccess';
import { isNpyMagic } from '../io/npyFormat';
import { looksLikeSafetensors } from '../io/safetensorsFile';
import { isZipMagic } from '../io/tensorFile';
import { openArrayDataset } from './arrayDataset';
import { openCifarDataset, type CifarVariant } from './cifarDataset';
import { findClassNames, readClassNamesFile } from './classNames';
import type { DatasetSource } from './datasetSource';
import { isGzipMagic } from './gunzipCache';
import { openIdxDataset } from './idxDataset';
import { looksLikeImageFolder, openImageFolderDataset } from './imageFolderDataset';
import type { ImagePreprocessing } from './imagePreprocessing';
import { isInatJson, openInatJsonDataset } from './inatJsonDataset';
import { looksLikeListFile, openListFileDataset } from './listFileDataset';
import { isSubsetIndex } from './makeLongTail';
import { isShardGlob, isShardIndex, openShardedDataset, shardGlob, shardIndexFiles, shardSetOf } from './shardedDataset';
import { openSubsetDataset } from './subsetDataset';
import type { CancellationSignal } from '../../protocol/progress';

/** A dataset split. */
export type DatasetSplit = 'train' | 'test';

/** Options for {@link openDataset}. */
export interface OpenDatasetOptions {
  /** Cancellation, checked while opening does long work (decompressing a `.gz` images file). */
  readonly signal?: CancellationSignal;
  /** Which split of a directory with splits (required there; `test` falls back to `val`). */
  readonly split?: DatasetSplit;
  /** Image preprocessing (recorded verbatim in `preprocessing`). */
  readonly preprocessing?: ImagePreprocessing;
  /** Image root for list files and iNaturalist JSON (default: the file's directory). */
  readonly root?: string;
  /** A class-names file (JSON array or one name per line) overriding discovered names. */
  readonly classNamesFile?: string;
}

const maxSubsetDepth = 8;

/** Opens a dataset (see the module comment). Throws {@link ErrorCode.FileNotFound}/{@link ErrorCode.UnknownFormat} etc. */
export async function openDataset(path: string, options: OpenDatasetOptions = {}): Promise<DatasetSource> {
  return open(path, options, 0);
}

async function open(path: string, options: OpenDatasetOptions, depth: number): Promise<DatasetSource> {
  const classNames = options.classNamesFile ? await readClassNamesFile(options.classNamesFile) : null;
  const openShard = (file: string): Promise<DatasetSource> => openFile(file, options, classNames, depth + 1);
  if (isShardGlob(path)) {
    return openShardedDataset(path, await shardGlob(path), openShard);
  }
  let stat;
  try {
    stat = await fsp.stat(path);
  } catch (error) {
    throw fsError(error, path);
  }
  if (stat.isDirectory()) {
    return openDirectory(path, options, classNames, depth);
  }
  const shards = await shardSetOf(path);
  if (shards && shards.length > 1) {
    return openShardedDataset(path, shards, openShard);
  }
  return openFile(path, options, classNames, depth);
}

function unknown(path: string, what: string): LongtailError {
  return new LongtailError(ErrorCode.UnknownFormat, `${path}: ${what}`, { file: path });
}

async function peek(path: string, length: number): Promise<{ prefix: Buffer; size: number }> {
  const file = await openForRead(path);
  try {
    return { prefix: await readUpTo(file, 0, length), size: file.size };
  } finally {
    await file.handle.close();
  }
}

/** Names like `train-images-idx3-ubyte`: opened as IDX even when the magic is wrong, to say so. */
const idxImagesName = /images.*idx3|idx3.*images/i;

/** Standard CIFAR binary batch names. */
const cifarName = /^(data_batch_\d+|test_batch|train|test)\.bin$/i;

function isIdxImagesMagic(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0x08 && (b[3] === 3 || b[3] === 4);
}

function isIdxMagic(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] >= 0x08 && b[2] <= 0x0e && b[3] >= 1 && b[3] <= 4;
}

function cifarVariantOf(path: string, size: number, prefix: Uint8Array): CifarVariant | null {
  const binaryish = /\.bin$/i.test(path) || prefix.subarray(0, 4096).some((b) => b < 9);
  if (!binaryish || size === 0) {
    return null;
  }
  if (size % 3073 === 0 && prefix[0] < 10 && !(size % 3074 === 0 && /^(train|test)\.bin$/i.test(basename(path)))) {
    return 'cifar10';
  }
  if (size % 3074 === 0 && prefix[0] < 20 && prefix[1] < 100) {
    return 'cifar100';
  }
  return null;
}

async function openFile(path: string, options: OpenDatasetOptions, classNames: string[] | null, depth: number): Promise<DatasetSource> {
  const { prefix, size } = await peek(path, 4096);
  if (size === 0) {
    throw new LongtailError(ErrorCode.EmptyDataset, `${path}: the file is empty`, { file: path });
  }
  if (isGzipMagic(prefix)) {
    const inner = inflatePrefix(prefix, 16, { kind: 'gzip', declared: null, file: path, what: 'gzip data' });
    if (isIdxImagesMagic(inner)) {
      return openIdxDataset(path, { preprocessing: options.preprocessing, classNames: classNames ?? undefined, signal: options.signal });
    }
    if (isIdxMagic(inner)) {
      throw unknown(path, 'an IDX labels (or non-uint8) file; open the images file (e.g. train-images-idx3-ubyte.gz), the labels are found beside it');
    }
    throw unknown(path, 'a gzip file that does not hold an IDX images file');
  }
  if (isIdxImagesMagic(prefix) || idxImagesName.test(basename(path))) {
    return openIdxDataset(path, { preprocessing: options.preprocessing, classNames: classNames ?? undefined, signal: options.signal });
  }
  if (isIdxMagic(prefix)) {
    throw unknown(path, 'an IDX labels (or non-uint8) file; open the images file (e.g. train-images-idx3-ubyte), the labels are found beside it');
  }
  if (isNpyMagic(prefix)) {
    throw unknown(path, 'a single .npy array is not a dataset; use an .npz or .safetensors with features/embeddings (or x/images) and labels');
  }
  if (isZipMagic(prefix) || looksLikeSafetensors(prefix, size)) {
    return openArrayDataset(path, { classNames, preprocessing: options.preprocessing });
  }
  const text = prefix.toString('utf8').trimStart();
  if (text.startsWith('{') || text.startsWith('[')) {
    let json: unknown;
    try {
      json = JSON.parse(await readTextFile(path, { what: 'JSON index' }));
    } catch (error) {
      if (error instanceof LongtailError) {
        throw error;
      }
      throw new LongtailError(ErrorCode.InvalidFile, `${path}: not valid JSON`, { file: path });
    }
    if (isSubsetIndex(json)) {
      if (depth >= maxSubsetDepth) {
        throw new LongtailError(ErrorCode.InvalidFile, `${path}: subset index files nest more than ${maxSubsetDepth} deep (a cycle?)`, { file: path });
      }
      const source = isAbsolute(json.source) ? json.source : resolve(dirname(path), json.source);
      const split = json.split === 'test' || json.split === 'train' ? json.split : 'train';
      let base: DatasetSource;
      try {
        base = await open(source, { ...options, split }, depth + 1);
      } catch (error) {
        if (error instanceof LongtailError && error.code === ErrorCode.FileNotFound && error.file === source) {
          throw new LongtailError(ErrorCode.FileNotFound, `${path}: subset source ${source} does not exist`, { file: path });
        }
        throw error;
      }
      try {
        return await openSubsetDataset(path, base, json.indices, json.counts);
      } catch (error) {
        await base.close();
        throw error;
      }
    }
    if (isShardIndex(json)) {
      if (depth >= maxSubsetDepth) {
        throw new LongtailError(ErrorCode.InvalidFile, `${path}: index files nest more than ${maxSubsetDepth} deep (a cycle?)`, { file: path });
      }
      return openShardedDataset(path, shardIndexFiles(path, json), (file) => openFile(file, options, classNames, depth + 1));
    }
    if (isInatJson(json)) {
      return openInatJsonDataset(path, json, { root: options.root, preprocessing: options.preprocessing });
    }
    if (Array.isArray(json)) {
      throw unknown(path, 'a JSON array (class names or class counts?) is not a dataset');
    }
    throw unknown(path, 'JSON that is neither a subset index ({source, indices}) nor iNaturalist/COCO ({images, annotations, categories})');
  }
  const cifar = cifarVariantOf(path, size, prefix);
  if (!cifar && cifarName.test(basename(path))) {
    // A standard CIFAR batch name whose size does not fit: say it is truncated rather than unknown.
    return openCifarDataset([path], { preprocessing: options.preprocessing });
  }
  if (cifar) {
    const names = classNames ?? (await findClassNames(cifar === 'cifar10' ? [join(dirname(path), 'batches.meta.txt')] : [join(dirname(path), 'fine_label_names.txt')]));
    return openCifarDataset([path], { variant: cifar, preprocessing: options.preprocessing, classNames: names });
  }
  if (looksLikeListFile(prefix.toString('utf8'))) {
    const names = classNames ?? (await findClassNames([join(dirname(path), 'classes.txt')]));
    return openListFileDataset(path, { root: options.root, classNames: names, preprocessing: options.preprocessing });
  }
  throw unknown(path, 'unknown dataset format (expected IDX, CIFAR binary, .npz/.safetensors arrays, a list file, iNaturalist JSON or a subset index JSON)');
}

function needSplit(dir: string, splits: readonly string[]): LongtailError {
  return new LongtailError(ErrorCode.InvalidOption, `${dir}: holds splits ${splits.join(' and ')}; choose one with split`, { file: dir });
}

async function openDirectory(dir: string, options: OpenDatasetOptions, classNames: string[] | null, depth: number): Promise<DatasetSource> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw fsError(error, dir);
  }
  const files = entries.filter((e) => e.isFile()).map((e) => e.name).sort();
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const split = options.split;
  const pickSplit = (bySplit: Record<DatasetSplit, string[]>): string[] => {
    const have = (['train', 'test'] as const).filter((s) => bySplit[s].length > 0);
    if (split === undefined) {
      if (have.length > 1) {
        throw needSplit(dir, have);
      }
      return bySplit[have[0]];
    }
    if (bySplit[split].length === 0) {
      throw new LongtailError(ErrorCode.FileNotFound, `${dir}: no '${split}' split here (found: ${have.join(', ')})`, { file: dir });
    }
    return bySplit[split];
  };

  // MNIST-style IDX.
  const idx = files.filter((f) => idxImagesName.test(f));
  if (idx.length > 0) {
    const bySplit = { train: idx.filter((f) => /^train/i.test(f)), test: idx.filter((f) => /^(t10k|test)/i.test(f)) };
    const chosen = pickSplit(bySplit);
    const file = chosen.find((f) => !/\.gz$/i.test(f)) ?? chosen[0];
    return openIdxDataset(join(dir, file), { preprocessing: options.preprocessing, classNames: classNames ?? undefined, signal: options.signal });
  }
  // CIFAR-10 binary.
  const cifar10 = { train: files.filter((f) => /^data_batch_\d+\.bin$/i.test(f)), test: files.filter((f) => /^test_batch\.bin$/i.test(f)) };
  if (cifar10.train.length + cifar10.test.length > 0) {
    const chosen = pickSplit(cifar10).sort((a, b) => Number(/\d+/.exec(a)?.[0] ?? 0) - Number(/\d+/.exec(b)?.[0] ?? 0));
    const names = classNames ?? (await findClassNames([join(dir, 'batches.meta.txt')]));
    return openCifarDataset(chosen.map((f) => join(dir, f)), { variant: 'cifar10', preprocessing: options.preprocessing, classNames: names, displayPath: dir });
  }
  // CIFAR-100 binary.
  const cifar100 = { train: files.filter((f) => /^train\.bin$/i.test(f)), test: files.filter((f) => /^test\.bin$/i.test(f)) };
  if (cifar100.train.length + cifar100.test.length > 0) {
    const chosen = pickSplit(cifar100);
    const names = classNames ?? (await findClassNames([join(dir, 'fine_label_names.txt')]));
    return openCifarDataset(chosen.map((f) => join(dir, f)), { variant: 'cifar100', preprocessing: options.preprocessing, classNames: names, displayPath: dir });
  }
  // Known sub-folders.
  const known = dirs.find((d) => /^(cifar-10-batches-bin|cifar-100-binary)$/i.test(d));
  if (known) {
    return open(join(dir, known), options, depth);
  }
  // Split folders.
  const splitDirs = { train: dirs.filter((d) => /^train$/i.test(d)), test: dirs.filter((d) => /^test$/i.test(d)) };
  if (splitDirs.test.length === 0) {
    splitDirs.test = dirs.filter((d) => /^val(idation)?$/i.test(d));
  }
  if (splitDirs.train.length + splitDirs.test.length > 0) {
    const chosen = pickSplit(splitDirs);
    return open(join(dir, chosen[0]), options, depth);
  }
  // Split files.
  const splitFile = (s: string): RegExp => new RegExp(`(^|[_\\-.])${s}\\d*\\.(txt|npz|safetensors|json)$`, 'i');
  const splitFiles = { train: files.filter((f) => splitFile('train').test(f)), test: files.filter((f) => splitFile('test').test(f)) };
  if (splitFiles.test.length === 0) {
    splitFiles.test = files.filter((f) => splitFile('val').test(f));
  }
  if (splitFiles.train.length + splitFiles.test.length > 0) {
    const chosen = pickSplit(splitFiles);
    if (chosen.length > 1) {
      throw new LongtailError(ErrorCode.InvalidOption, `${dir}: several files for the split: ${chosen.join(', ')}; open one of them directly`, { file: dir });
    }
    return open(join(dir, chosen[0]), options, depth);
  }
  if (await looksLikeImageFolder(dir)) {
    return openImageFolderDataset(dir, { preprocessing: options.preprocessing, classNames });
  }
  throw unknown(dir, 'no dataset recognised in this directory (IDX, CIFAR binary, image folders, train/test splits, split files)');
}

