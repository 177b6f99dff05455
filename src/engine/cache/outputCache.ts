/**
 * Caches the forward pass (embeddings and logits) under `<workspace or cwd>/.longtail/cache/<key>/`, never
 * next to the user's checkpoint or dataset. The key is sha256 of the canonical JSON of
 * { checkpoint file content hashes, embedding/logits tensor names, dataset identity (contentHash.ts),
 * preprocessing, the device that computes the forward pass }. The device part (compute/runDevice.ts
 * `forwardDevice`: the TF.js backend, the device label loadBackend recorded, and for ONNX the onnxruntime
 * execution provider) keeps each backend's outputs apart: a run on webgpu never reads outputs wasm computed,
 * so report.json's `engine.backend` / `engine.device` always name the device that computed its numbers, and
 * meta.json's `identity.computedOn` records it. Switching backends costs one forward pass per backend. An entry is `meta.json` + `embeddings.f32` + `logits.f32` (raw little-endian float32),
 * written into a temporary directory beside it and renamed into place, so readers see whole entries only.
 * Re-analysing unchanged inputs reads the entry and runs no forward pass.
 *
 * Integrity: meta.json records the sha256 of both data files; an entry is used only when both files hash
 * to it. An edited or corrupt entry (a changed logit, a NaN written in) is discarded and recomputed, and
 * `onDiscard` is told why, naming the file. Temporary folders are named `.tmp-<key>-<pid>-<random>`;
 * those of processes that no longer run (killed mid-write) are removed by the next call.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { DatasetSource } from '../data/datasetSource';
import { closeFile, openForRead, readExactly, readTextFile } from '../io/fileAccess';
import type { ClassifierModel } from '../model/classifierModel';
import { computeOutputsToFiles, outputFileNames, type ComputeOutputsOptions, type ModelOutputFiles, type ModelOutputs } from '../model/computeOutputs';
import { forwardDevice } from '../compute/runDevice';
import { tf } from '../compute/tf';
import { canonicalJson, checkpointIdentity, datasetIdentity, sha256Text } from './contentHash';

/** Bumped when the entry layout or the forward-pass semantics change. */
export const outputCacheVersion = 3;

/** Options of {@link cachedModelOutputs}. */
export interface CachedOutputsOptions extends ComputeOutputsOptions {
  /** Cache root (default `<workspaceDir>/.longtail/cache`). */
  readonly cacheRoot?: string;
  /** Workspace folder (default the current directory). */
  readonly workspaceDir?: string;
  /** Told (one line naming the file) when an existing entry fails its integrity check and is recomputed. */
  readonly onDiscard?: (reason: string) => void;
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
  /** Why an existing entry was discarded before this one was computed (naming the file), if it was. */
  readonly discarded?: string;
}

interface CacheMeta {
  readonly version: number;
  readonly key: string;
  readonly size: number;
  readonly embeddingDim: number;
  readonly numClasses: number;
  readonly identity: unknown;
  readonly createdAt: string;
  /** sha256 (hex) of the two data files. */
  readonly sha256: { readonly embeddings: string; readonly logits: string };
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
    computedOn: forwardDevice(model.format, tf.getBackend()),
  };
  return { key: sha256Text(canonicalJson(identity)).slice(0, 40), identity };
}

/** Reads a cache data file of exactly `bytes` bytes (a regular file; anything else is a corrupt entry). */
async function readFloat32File(file: string, bytes: number): Promise<Float32Array> {
  const opened = await openForRead(file);
  try {
    if (opened.size !== bytes) {
      throw new LongtailError(ErrorCode.InvalidFile, `${file}: cache file changed size (${opened.size} bytes, expected ${bytes}); delete the entry's folder`, { file });
    }
    const buf = await readExactly(opened, 0, bytes, 'cache data');
    // Copy into an aligned buffer of exactly the file's length.
    const out = new Float32Array(bytes / 4);
    new Uint8Array(out.buffer).set(buf);
    return out;
  } finally {
    await closeFile(opened);
  }
}

/** sha256 (hex) of a regular file, streamed from the open descriptor. */
async function hashFile(file: string): Promise<string> {
  const opened = await openForRead(file);
  try {
    const hash = createHash('sha256');
    for await (const chunk of opened.handle.createReadStream({ autoClose: false, start: 0 })) {
      hash.update(chunk as Buffer);
    }
    return hash.digest('hex');
  } finally {
    await closeFile(opened);
  }
}

/** Removes `.tmp-<key>-<pid>-*` folders of processes that no longer run (a SIGKILL mid-write leaves them). */
export async function sweepStaleCacheTemp(root: string): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = /^\.tmp-[0-9a-f]+-(\d+)-[0-9a-f]+$/.exec(name);
    if (m === null || Number(m[1]) === process.pid) {
      continue;
    }
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch (error) {
      alive = (error as { code?: unknown }).code === 'EPERM';
    }
    if (!alive) {
      await fs.rm(path.join(root, name), { recursive: true, force: true }).catch(() => undefined);
      removed++;
    }
  }
  return removed;
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

/**
 * Reads and checks an entry: absent → null; present but stale (other version) or failing its checks (sizes,
 * then, with `verify`, content hashes) → `{ problem }` naming the file; else the files.
 */
async function readEntry(dir: string, key: string, verify: boolean): Promise<ModelOutputFiles | { problem: string } | null> {
  const metaFile = path.join(dir, 'meta.json');
  let meta: CacheMeta;
  try {
    meta = JSON.parse(await readTextFile(metaFile, { maxBytes: 16 * 1024 * 1024, what: 'cache metadata' })) as CacheMeta;
  } catch (error) {
    return error instanceof LongtailError && error.code === ErrorCode.FileNotFound ? null : { problem: `${metaFile}: unreadable cache metadata` };
  }
  if (meta.version !== outputCacheVersion || meta.key !== key || typeof meta.sha256 !== 'object' || meta.sha256 === null) {
    return { problem: `${metaFile}: cache entry from another version` };
  }
  const files = entryFiles(dir, meta);
  const checks: [string, number, string][] = [
    [files.embeddingsFile, meta.size * meta.embeddingDim * 4, meta.sha256.embeddings],
    [files.logitsFile, meta.size * meta.numClasses * 4, meta.sha256.logits],
  ];
  for (const [file, bytes, sha] of checks) {
    try {
      const s = await fs.lstat(file);
      if (!s.isFile() || s.size !== bytes) {
        return { problem: `${file}: cache file has ${s.size} bytes, expected ${bytes}` };
      }
      if (verify && (await hashFile(file)) !== sha) {
        return { problem: `${file}: cache file content does not match its recorded sha256 (edited or corrupt)` };
      }
    } catch {
      return { problem: `${file}: cache file missing or unreadable` };
    }
  }
  return files;
}

function isFiles(v: ModelOutputFiles | { problem: string } | null): v is ModelOutputFiles {
  return v !== null && !('problem' in v);
}

function entry(key: string, dir: string, hit: boolean, files: ModelOutputFiles, discarded?: string): CachedModelOutputs {
  return {
    key,
    dir,
    hit,
    files,
    discarded,
    async load(): Promise<ModelOutputs> {
      const [embeddings, logits] = await Promise.all([
        readFloat32File(files.embeddingsFile, files.size * files.embeddingDim * 4),
        readFloat32File(files.logitsFile, files.size * files.numClasses * 4),
      ]);
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
  await sweepStaleCacheTemp(root);
  const existing = await readEntry(dir, key, true);
  if (isFiles(existing)) {
    return entry(key, dir, true, existing);
  }
  const discarded = existing?.problem;
  if (discarded !== undefined) {
    options.onDiscard?.(`${discarded}; recomputing`);
    await fs.rm(dir, { recursive: true, force: true });
  }
  await fs.mkdir(root, { recursive: true });
  const tmp = path.join(root, `.tmp-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(tmp);
  try {
    const files = await computeOutputsToFiles(model, dataset, tmp, options);
    const [embeddingsSha, logitsSha] = await Promise.all([hashFile(files.embeddingsFile), hashFile(files.logitsFile)]);
    const meta: CacheMeta = {
      version: outputCacheVersion,
      key,
      size: files.size,
      embeddingDim: files.embeddingDim,
      numClasses: files.numClasses,
      identity,
      createdAt: new Date().toISOString(),
      sha256: { embeddings: embeddingsSha, logits: logitsSha },
    };
    await fs.writeFile(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 1));
    // A broken entry (e.g. from an older version) is replaced; a valid one written meanwhile by another
    // process wins and ours is dropped.
    if (!isFiles(await readEntry(dir, key, false))) {
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
    const written = await readEntry(dir, key, false);
    if (!isFiles(written)) {
      throw new LongtailError(ErrorCode.IoError, `${dir}: the cache entry could not be written (${written?.problem ?? 'missing after rename'})`, { file: dir });
    }
    return entry(key, dir, false, written, discarded);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
