/**
 * Caches the forward pass (embeddings and logits) under `<workspace or cwd>/.longtail/cache/<key>/`, never
 * next to the user's checkpoint or dataset. The key is sha256 of the canonical JSON of
 * { checkpoint file content hashes, embedding/logits tensor names, dataset identity (contentHash.ts),
 * preprocessing }. An entry is `meta.json` + `embeddings.f32` + `logits.f32` (raw little-endian float32),
 * written into a temporary directory beside it and renamed into place, so readers see whole entries only.
 * Re-analysing unchanged inputs reads the entry and runs no forward pass.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { DatasetSource } from '../data/datasetSource';
import type { ClassifierModel } from '../model/classifierModel';
import { computeOutputsToFiles, outputFileNames, type ComputeOutputsOptions, type ModelOutputFiles, type ModelOutputs } from '../model/computeOutputs';
import { canonicalJson, checkpointIdentity, datasetIdentity, sha256Text } from './contentHash';

/** Bumped when the entry layout or the forward-pass semantics change. */
export const outputCacheVersion = 1;

/** Options of {@link cachedModelOutputs}. */
export interface CachedOutputsOptions extends ComputeOutputsOptions {
  /** Cache root (default `<workspaceDir>/.longtail/cache`). */
  readonly cacheRoot?: string;
  /** Workspace folder (default the current directory). */
  readonly workspaceDir?: string;
}

/** A cache entry (existing or just written). */
export interface CachedModelOutputs {
  /** The cache key (hex). */
  readonly key: string;
  /** The entry directory. */
  readonly dir: string;
  /** True when the entry existed and no forward pass ran. */
  readonly hit: boolean;
  /** The entry's files. */
  readonly files: ModelOutputFiles;
  /** Reads both files into memory (N·(D+C)·4 bytes). */
  load(): Promise<ModelOutputs>;
}

interface CacheMeta {
  readonly version: number;
  readonly key: string;
  readonly size: number;
  readonly embeddingDim: number;
  readonly numClasses: number;
  readonly identity: unknown;
  readonly createdAt: string;
}

/** The default cache root for a workspace. */
export function defaultCacheRoot(workspaceDir: string = process.cwd()): string {
  return path.join(workspaceDir, '.longtail', 'cache');
}

/** Computes the cache key and the identity it hashes. */
export async function outputCacheKey(model: ClassifierModel, dataset: DatasetSource): Promise<{ key: string; identity: Record<string, unknown> }> {
  const identity = {
    version: outputCacheVersion,
    model: { format: model.format, embedding: model.embeddingName, logits: model.logitsName, files: await checkpointIdentity(model.files) },
    dataset: await datasetIdentity(dataset),
  };
  return { key: sha256Text(canonicalJson(identity)).slice(0, 40), identity };
}

async function readFloat32File(file: string): Promise<Float32Array> {
  const buf = await fs.readFile(file);
  // Copy into an aligned buffer of exactly the file's length.
  const out = new Float32Array(buf.length / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

function entryFiles(dir: string, meta: CacheMeta): ModelOutputFiles {
  return {
    size: meta.size,
    embeddingDim: meta.embeddingDim,
    numClasses: meta.numClasses,
    embeddingsFile: path.join(dir, outputFileNames.embeddings),
    logitsFile: path.join(dir, outputFileNames.logits),
  };
}

/** Reads and checks an entry; null when absent or incomplete (sizes must match the metadata). */
async function readEntry(dir: string, key: string): Promise<ModelOutputFiles | null> {
  let meta: CacheMeta;
  try {
    meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as CacheMeta;
  } catch {
    return null;
  }
  if (meta.version !== outputCacheVersion || meta.key !== key) {
    return null;
  }
  const files = entryFiles(dir, meta);
  try {
    const [e, l] = await Promise.all([fs.stat(files.embeddingsFile), fs.stat(files.logitsFile)]);
    if (e.size !== meta.size * meta.embeddingDim * 4 || l.size !== meta.size * meta.numClasses * 4) {
      return null;
    }
  } catch {
    return null;
  }
  return files;
}

function entry(key: string, dir: string, hit: boolean, files: ModelOutputFiles): CachedModelOutputs {
  return {
    key,
    dir,
    hit,
    files,
    async load(): Promise<ModelOutputs> {
      const [embeddings, logits] = await Promise.all([readFloat32File(files.embeddingsFile), readFloat32File(files.logitsFile)]);
      return { size: files.size, embeddingDim: files.embeddingDim, numClasses: files.numClasses, embeddings, logits };
    },
  };
}

/**
 * Returns the cached embeddings/logits of `model` on `dataset`, running the forward pass (streamed to disk,
 * one batch in memory) only when no valid entry exists. Errors: those of the forward pass, FILE_NOT_FOUND when
 * the dataset path is gone; the temporary directory is removed on any error or cancellation.
 */
export async function cachedModelOutputs(model: ClassifierModel, dataset: DatasetSource, options: CachedOutputsOptions = {}): Promise<CachedModelOutputs> {
  const root = options.cacheRoot ?? defaultCacheRoot(options.workspaceDir);
  const { key, identity } = await outputCacheKey(model, dataset);
  const dir = path.join(root, key);
  const existing = await readEntry(dir, key);
  if (existing !== null) {
    return entry(key, dir, true, existing);
  }
  await fs.mkdir(root, { recursive: true });
  const tmp = path.join(root, `.tmp-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(tmp);
  try {
    const files = await computeOutputsToFiles(model, dataset, tmp, options);
    const meta: CacheMeta = {
      version: outputCacheVersion,
      key,
      size: files.size,
      embeddingDim: files.embeddingDim,
      numClasses: files.numClasses,
      identity,
      createdAt: new Date().toISOString(),
    };
    await fs.writeFile(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 1));
    // A broken entry (e.g. from an older version) is replaced; a valid one written meanwhile by another
    // process wins and ours is dropped.
    if ((await readEntry(dir, key)) === null) {
      await fs.rm(dir, { recursive: true, force: true });
      try {
        await fs.rename(tmp, dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') {
          throw e;
        }
      }
    }
    const written = await readEntry(dir, key);
    if (written === null) {
      throw new Error(`cache entry ${dir} could not be written`);
    }
    return entry(key, dir, false, written);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
