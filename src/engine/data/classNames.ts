/**
 * Class-name files: a JSON array of strings, or text with one name per line (`classes.txt`,
 * `batches.meta.txt`, `fine_label_names.txt`). Names are untrusted text: they are returned as-is and
 * must be escaped wherever they are shown.
 */
import { promises as fsp } from 'node:fs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { fsError, readTextFile, type Containment } from '../io/fileAccess';

/**
 * Reads a class-names file (JSON array of strings, or one name per line; blank lines ignored). With
 * `within`, the file's real path must lie in that folder (a file named in longtail.json stays in the workspace).
 */
export async function readClassNamesFile(path: string, within?: Containment): Promise<string[]> {
  const text = await readTextFile(path, { within, what: 'class names file' });
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new LongtailError(ErrorCode.InvalidFile, `${path}: class names file is not valid JSON`, { file: path });
    }
    if (!Array.isArray(parsed) || !parsed.every((n) => typeof n === 'string')) {
      throw new LongtailError(ErrorCode.InvalidFile, `${path}: class names must be a JSON array of strings`, { file: path });
    }
    return parsed as string[];
  }
  return trimmed
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** Reads the first of `candidates` that exists, or returns null when none does. */
export async function findClassNames(candidates: readonly string[]): Promise<string[] | null> {
  for (const path of candidates) {
    try {
      await fsp.lstat(path);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') {
        continue;
      }
      throw fsError(error, path);
    }
    return readClassNamesFile(path);
  }
  return null;
}
