/**
 * Content identities for cache keys: sha256 of checkpoint files, and a cheap identity for datasets.
 *
 * Dataset identity (datasets can be hundreds of GB, so they are not hashed in full):
 * - a file: resolved path, byte size, mtime, and sha256 of the whole file when it is at most 8 MiB, else of
 *   its first and last MiB. An in-place edit of the middle of a large file that keeps its size and mtime is
 *   not detected (editors and copy tools update the mtime);
 * - a directory (image folders): resolved path and the sorted list of (relative path, size, mtime) of every
 *   file below it; contents are not read;
 * - the dataset's member files (`DatasetSource.memberFiles`: the images a list file or iNat JSON names, a
 *   subset's source): (path, size, mtime) of each, folders expanded, so overwriting an image a list file
 *   points to changes the identity although the list file itself did not change.
 * Plus the reader's format, example count, example shape and the preprocessing JSON (keys sorted).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { DatasetSource } from '../data/datasetSource';

const mib = 1 << 20;
/** Files up to this size are hashed in full for the dataset identity. */
export const fullHashLimit = 8 * mib;

/** JSON with object keys sorted at every level, so equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 (hex) of a string. */
export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 (hex) of a whole file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', resolve);
  });
  return hash.digest('hex');
}

async function listFiles(dir: string, rel = ''): Promise<{ rel: string; abs: string }[]> {
  const out: { rel: string; abs: string }[] = [];
  const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      out.push(...(await listFiles(dir, r)));
    } else if (e.isFile()) {
      out.push({ rel: r, abs: path.join(dir, r) });
    }
  }
  return out;
}

/**
 * Content hashes of a checkpoint's files (a SavedModel directory is expanded to every file in it), keyed by
 * name relative to the first file's directory: moving a checkpoint keeps its identity, editing it does not.
 */
export async function checkpointIdentity(files: readonly string[]): Promise<{ name: string; sha256: string }[]> {
  const out: { name: string; sha256: string }[] = [];
  const base = files.length > 0 ? path.dirname(path.resolve(files[0])) : '';
  for (const f of files) {
    const abs = path.resolve(f);
    const stat = await fs.stat(abs);
    if (stat.isDirectory()) {
      for (const e of await listFiles(abs)) {
        out.push({ name: `${path.basename(abs)}/${e.rel}`, sha256: await sha256File(e.abs) });
      }
    } else {
      out.push({ name: path.relative(base, abs).split(path.sep).join('/'), sha256: await sha256File(abs) });
    }
  }
  return out;
}

async function partialHash(file: string, size: number): Promise<string> {
  if (size <= fullHashLimit) {
    return sha256File(file);
  }
  const hash = createHash('sha256');
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(mib);
    for (const pos of [0, size - mib]) {
      const { bytesRead } = await fh.read(buf, 0, mib, pos);
      hash.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return `first+last MiB:${hash.digest('hex')}`;
}

/** (path, size, mtime) of every member file (folders expanded), hashed; missing members count as such. */
export async function memberListing(members: readonly string[]): Promise<string> {
  const lines: string[] = [];
  const statLine = async (abs: string): Promise<string> => {
    try {
      const s = await fs.stat(abs);
      return `${abs}\t${s.size}\t${s.mtimeMs}`;
    } catch {
      return `${abs}\tmissing`;
    }
  };
  const expanded: string[] = [];
  for (const m of members) {
    const abs = path.resolve(m);
    const s = await fs.stat(abs).catch(() => null);
    if (s?.isDirectory()) {
      expanded.push(...(await listFiles(abs)).map((f) => f.abs));
    } else {
      expanded.push(abs);
    }
  }
  // Stat in parallel groups: a list file can name a million images.
  for (let i = 0; i < expanded.length; i += 64) {
    lines.push(...(await Promise.all(expanded.slice(i, i + 64).map(statLine))));
  }
  return sha256Text(lines.join('\n'));
}

/** The dataset identity described in the file comment (a plain JSON object). FILE_NOT_FOUND when the path is gone. */
export async function datasetIdentity(dataset: DatasetSource): Promise<Record<string, unknown>> {
  const abs = path.resolve(dataset.path);
  let stat;
  try {
    stat = await fs.stat(abs);
  } catch (e) {
    throw new LongtailError(ErrorCode.FileNotFound, `dataset not found: ${dataset.path}`, { file: dataset.path, cause: e });
  }
  const common = {
    format: dataset.format,
    size: dataset.size,
    exampleShape: dataset.exampleShape,
    preprocessing: dataset.preprocessing,
    members: dataset.memberFiles ? await memberListing(dataset.memberFiles) : undefined,
  };
  if (stat.isDirectory()) {
    const files = await listFiles(abs);
    const lines: string[] = [];
    for (const f of files) {
      const s = await fs.stat(f.abs);
      lines.push(`${f.rel}\t${s.size}\t${s.mtimeMs}`);
    }
    return { ...common, path: abs, kind: 'directory', listing: sha256Text(lines.join('\n')), files: files.length };
  }
  return { ...common, path: abs, kind: 'file', bytes: stat.size, mtimeMs: stat.mtimeMs, sha256: await partialHash(abs, stat.size) };
}
