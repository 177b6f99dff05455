/**
 * One dataset from the shards a distributed evaluation writes, one file per rank: features (and logits) in
 * `features-00000-of-00008.safetensors` … `features-00007-of-00008.safetensors` (the Hugging Face naming),
 * a glob such as `features-*.npz`, or a small JSON index `{ "shards": ["rank0.npz", "rank1.npz", …] }` whose
 * paths are relative to the index's folder. Shards are read in order (by shard number, by name for a glob,
 * as listed for an index), streamed batch by batch like one file, and must agree: the same kind of arrays,
 * example shape, number of classes, class names and whether logits are stored.
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { fsError } from '../io/fileAccess';
import type { DatasetSource, ExampleBatch } from './datasetSource';

/** `<stem>-<index>-of-<count><ext>`, five digits each (what `save_pretrained` sharding and most DDP scripts write). */
const shardPattern = /^(.+)-(\d{5})-of-(\d{5})(\.[A-Za-z0-9]+)$/;
/** Most shards one dataset may have (each keeps a file handle open). */
export const maxShards = 4096;

/** A JSON shard index: `{ "shards": [paths…] }`. */
export interface ShardIndex {
  readonly shards: readonly string[];
}

/** True for a `{ "shards": [...] }` JSON value. */
export function isShardIndex(json: unknown): json is ShardIndex {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && Array.isArray((json as { shards?: unknown }).shards);
}

/** True when a path's file name has a glob character (`*`, `?`). Folders in the path are taken literally. */
export function isShardGlob(path: string): boolean {
  return /[*?]/.test(basename(path));
}

/**
 * The files of the shard set `path` belongs to, in shard order, when its name is `<stem>-NNNNN-of-MMMMM<ext>`;
 * null for any other name. Throws {@link ErrorCode.FileNotFound} naming the first missing shard.
 */
export async function shardSetOf(path: string): Promise<string[] | null> {
  const m = shardPattern.exec(basename(path));
  if (!m) return null;
  const [, stem, , countText, ext] = m;
  const count = Number(countText);
  if (count < 1 || count > maxShards) {
    throw new LongtailError(ErrorCode.InvalidFile, `${path}: a set of ${count} shards (1 to ${maxShards} are read)`, { file: path });
  }
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(dirname(path), `${stem}-${String(i).padStart(5, '0')}-of-${countText}${ext}`);
    try {
      await fsp.access(file);
    } catch {
      throw new LongtailError(ErrorCode.FileNotFound, `${file}: shard ${i + 1} of ${count} is missing (the set ${basename(path)} belongs to needs all of them)`, { file });
    }
    files.push(file);
  }
  return files;
}

/** The files matching a glob in its file name (`*` any run of characters, `?` one), sorted by name. */
export async function shardGlob(pattern: string): Promise<string[]> {
  const dir = dirname(pattern);
  const name = basename(pattern);
  const regex = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (error) {
    // ENOENT, ENOTDIR, EACCES, ELOOP … each named as such (the folder of the glob is what failed).
    throw fsError(error, dir);
  }
  const files = names.filter((n) => regex.test(n)).sort().map((n) => join(dir, n));
  if (files.length === 0) throw new LongtailError(ErrorCode.FileNotFound, `${pattern}: no file matches`, { file: pattern });
  if (files.length > maxShards) throw new LongtailError(ErrorCode.InvalidFile, `${pattern}: ${files.length} files match; at most ${maxShards} shards are read`, { file: pattern });
  return files;
}

/** The shard paths of an index file, resolved against its folder; each must stay inside that folder. */
export function shardIndexFiles(indexPath: string, index: ShardIndex): string[] {
  const base = dirname(resolve(indexPath));
  if (index.shards.length === 0 || index.shards.length > maxShards) {
    throw new LongtailError(ErrorCode.InvalidFile, `${indexPath}: 'shards' lists ${index.shards.length} files (1 to ${maxShards} are read)`, { file: indexPath });
  }
  return index.shards.map((entry, i) => {
    if (typeof entry !== 'string' || entry.length === 0) {
      throw new LongtailError(ErrorCode.InvalidFile, `${indexPath}: shards[${i}] is not a file name`, { file: indexPath });
    }
    const file = resolve(base, entry);
    const rel = relative(base, file);
    if (isAbsolute(entry) || rel === '..' || rel.startsWith(`..${sep}`)) {
      throw new LongtailError(ErrorCode.InvalidFile, `${indexPath}: shards[${i}] (${JSON.stringify(entry)}) is outside the index's folder`, { file: indexPath });
    }
    return file;
  });
}

function sameList(a: readonly unknown[] | null | undefined, b: readonly unknown[] | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Opens the shards with `openShard` (in order) and joins them into one {@link DatasetSource} named `path`.
 * Throws {@link ErrorCode.ShapeMismatch} naming the first shard that disagrees with the first one.
 */
export async function openShardedDataset(path: string, files: readonly string[], openShard: (file: string) => Promise<DatasetSource>): Promise<DatasetSource> {
  const shards: DatasetSource[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(shards.map((s) => s.close()));
  };
  try {
    for (const file of files) {
      shards.push(await openShard(file));
    }
    const first = shards[0];
    shards.forEach((shard, i) => {
      const fail = (what: string): never => {
        throw new LongtailError(ErrorCode.ShapeMismatch, `${files[i]}: shard ${i + 1} of ${files.length} ${what} (shard 1, ${basename(files[0])}, differs)`, { file: files[i] });
      };
      if (shard.format !== first.format) fail(`is ${shard.format}, not ${first.format}`);
      if (!sameList(shard.exampleShape, first.exampleShape)) fail(`has examples of shape [${shard.exampleShape.join(', ')}], not [${first.exampleShape.join(', ')}]`);
      if (Boolean(shard.storedLogits) !== Boolean(first.storedLogits)) fail(shard.storedLogits ? 'stores logits' : 'stores no logits');
      if (shard.storedLogits && first.storedLogits && shard.storedLogits.numClasses !== first.storedLogits.numClasses) fail(`has logits of ${shard.storedLogits.numClasses} classes, not ${first.storedLogits.numClasses}`);
      if (shard.numClasses !== null && first.numClasses !== null && shard.classNames && first.classNames && !sameList(shard.classNames, first.classNames)) fail('has other class names');
    });
    const starts: number[] = [];
    let size = 0;
    for (const shard of shards) {
      starts.push(size);
      size += shard.size;
    }
    const numClasses = shards.reduce<number | null>((c, s) => (s.numClasses === null ? c : Math.max(c ?? 0, s.numClasses)), null);
    let storedLogits: DatasetSource['storedLogits'];
    if (first.storedLogits) {
      const c = first.storedLogits.numClasses;
      const data = new Float32Array(size * c);
      shards.forEach((s, i) => data.set(s.storedLogits!.data, starts[i] * c));
      storedLogits = { data, numClasses: c };
    }
    const rowSize = first.exampleShape.reduce((a, b) => a * b, 1);
    const shardAt = (index: number): number => {
      let lo = 0;
      let hi = shards.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= index) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    return {
      path,
      format: `sharded-${first.format}`,
      size,
      exampleShape: first.exampleShape,
      numClasses,
      classNames: first.classNames,
      isFeatures: first.isFeatures,
      storedLogits,
      preprocessing: first.preprocessing,
      async readLabels() {
        const out = new Int32Array(size);
        for (let i = 0; i < shards.length; i++) out.set(await shards[i].readLabels(), starts[i]);
        return out;
      },
      async readBatch(start: number, count: number): Promise<ExampleBatch> {
        const begin = Math.max(0, Math.min(start, size));
        const n = Math.max(0, Math.min(count, size - begin));
        const x = new Float32Array(n * rowSize);
        const labels = new Int32Array(n);
        let done = 0;
        while (done < n) {
          const at = begin + done;
          const s = shardAt(at);
          const local = at - starts[s];
          const batch = await shards[s].readBatch(local, Math.min(n - done, shards[s].size - local));
          const m = batch.labels.length;
          if (m === 0) break;
          x.set(batch.x, done * rowSize);
          labels.set(batch.labels, done);
          done += m;
        }
        return { x, shape: [n, ...first.exampleShape], labels };
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
