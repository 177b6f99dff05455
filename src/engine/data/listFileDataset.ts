/**
 * List files (ImageNet-LT / Places-LT / iNaturalist18 style): one `relative/path label` per line, the
 * label a 0-based integer after the last whitespace (so paths may contain spaces). Blank lines and lines
 * starting with `#` are skipped. Paths are relative to `root` (default: the list file's directory).
 */
import { dirname, isAbsolute, join } from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { readTextFile } from '../io/fileAccess';
import type { DatasetSource } from './datasetSource';
import type { ImagePreprocessing } from './imagePreprocessing';
import { openImageListDataset } from './imageListDataset';

/** One parsed line. */
export interface ListFileEntry {
  readonly path: string;
  readonly label: number;
}

const linePattern = /^(.*\S)\s+(\S+)$/;
const maxLabel = 2 ** 31 - 1;

/** True when the text's first non-comment lines all look like `path label`. */
export function looksLikeListFile(text: string): boolean {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0 && !l.trim().startsWith('#')).slice(0, 20);
  // Every line has a path and a last token; the first line's token is a number. Bad labels further down are
  // then reported by the parser, naming the line, instead of the whole file being "unknown".
  return lines.length > 0 && lines.every((l) => /^\S.*\s+\S+$/.test(l.trim())) && /\s-?\d+(\.\d+)?$/.test(lines[0].trim());
}

/** Parses list-file text; labels must be non-negative integers ({@link ErrorCode.InvalidLabels} naming the line). */
export function parseListFile(text: string, path: string): ListFileEntry[] {
  const out: ListFileEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length === 0 || line.startsWith('#')) {
      continue;
    }
    const m = linePattern.exec(line);
    if (!m) {
      throw new LongtailError(ErrorCode.InvalidFile, `${path}:${i + 1}: expected 'relative/path label', got '${line.slice(0, 80)}'`, { file: path });
    }
    const label = Number(m[2]);
    if (!/^-?\d+(\.\d+)?$/.test(m[2]) || !Number.isSafeInteger(label) || label < 0) {
      throw new LongtailError(ErrorCode.InvalidLabels, `${path}:${i + 1}: label '${m[2]}' is not a non-negative integer`, { file: path });
    }
    if (label > maxLabel) {
      // Labels are stored as int32: a larger value would wrap (4294967297 → 1) and silently change class.
      throw new LongtailError(ErrorCode.InvalidLabels, `${path}:${i + 1}: label ${m[2]} is too large (labels are class indices up to ${maxLabel})`, { file: path });
    }
    out.push({ path: m[1], label });
  }
  return out;
}

/** Options for {@link openListFileDataset}. */
export interface ListFileOptions {
  /** Directory the paths are relative to (default: the list file's directory). */
  readonly root?: string;
  /** Class names (their count bounds the labels). */
  readonly classNames?: readonly string[] | null;
  /** Image preprocessing. */
  readonly preprocessing?: ImagePreprocessing;
}

/** Opens a list file dataset. */
export async function openListFileDataset(path: string, options: ListFileOptions = {}): Promise<DatasetSource> {
  const text = await readTextFile(path, { what: 'list file' });
  const entries = parseListFile(text, path);
  const root = options.root ?? dirname(path);
  const classNames = options.classNames ?? null;
  return openImageListDataset({
    path,
    format: 'list-file',
    files: entries.map((e) => (isAbsolute(e.path) ? e.path : join(root, e.path))),
    labels: Int32Array.from(entries.map((e) => e.label)),
    numClasses: classNames ? classNames.length : null,
    classNames,
    preprocessing: options.preprocessing,
  });
}
