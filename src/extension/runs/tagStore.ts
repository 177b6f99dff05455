/**
 * Tags of a run: `<run folder>/tags.json`, `{ "tags": ["baseline", "lr 1e-3"] }`, beside report.json and
 * never inside it. Read with limits and validated (strings only; no control, line-separator or bidi
 * characters; trimmed; duplicates and empty tags refused on write, dropped on read); written atomically: a
 * temporary sibling in the same folder, then renamed over tags.json, so a reader never sees half a file.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { firstUnsafeChar } from '../../protocol/untrustedText';
import { parseJsonText } from '../parseJsonText';
import type { RunFiles } from './runFiles';

/** The file name of a run's tags. */
export const tagsFileName = 'tags.json';

/** Limits on tags.json (checked on read and on write). */
export const tagLimits = {
  /** Largest tags.json read, in bytes. */
  fileBytes: 16 * 1024,
  /** Most tags per run. */
  count: 32,
  /** Longest tag, in UTF-16 code units after trimming. */
  length: 64,
} as const;

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${name}` : `${dir}/${name}`;
}

/** The tags.json path of a run folder. */
export function tagsFile(runDir: string): string {
  return joinPath(runDir, tagsFileName);
}

/**
 * Checks one tag: a string, trimmed, 1 to {@link tagLimits.length} characters, none of them control,
 * separator or bidi characters. Returns the trimmed tag; throws INVALID_OPTION (one line, naming `where`).
 */
export function checkTag(tag: unknown, where: string): string {
  if (typeof tag !== 'string') throw new LongtailError(ErrorCode.InvalidOption, `${where}: a tag must be a string (found ${tag === null ? 'null' : typeof tag})`);
  const t = tag.trim();
  if (t === '') throw new LongtailError(ErrorCode.InvalidOption, `${where}: a tag cannot be empty`);
  if (t.length > tagLimits.length) throw new LongtailError(ErrorCode.InvalidOption, `${where}: a tag has at most ${tagLimits.length} characters (found ${t.length})`);
  // C0/C1 controls, DEL, line/paragraph separators, bidi overrides and isolates (src/protocol/untrustedText.ts).
  const bad = firstUnsafeChar(t);
  if (bad !== null) throw new LongtailError(ErrorCode.InvalidOption, `${where}: a tag cannot contain the control character U+${bad.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  return t;
}

/**
 * Validates a new tag list for writing: every tag as {@link checkTag}, at most {@link tagLimits.count},
 * no duplicates. Returns the trimmed tags in the given order.
 */
export function checkTags(tags: readonly unknown[], where: string): string[] {
  if (tags.length > tagLimits.count) throw new LongtailError(ErrorCode.InvalidOption, `${where}: a run has at most ${tagLimits.count} tags (found ${tags.length})`);
  const out: string[] = [];
  for (const tag of tags) {
    const t = checkTag(tag, where);
    if (out.includes(t)) throw new LongtailError(ErrorCode.InvalidOption, `${where}: the tag ${JSON.stringify(t)} is there already`);
    out.push(t);
  }
  return out;
}

/**
 * Parses tags.json text. The file must be `{ "tags": [string, …] }` within the limits; each tag is
 * checked as {@link checkTag}, duplicates after trimming are dropped (first kept). Throws INVALID_FILE
 * naming `file` with what is wrong.
 */
export function parseTags(text: string, file: string): string[] {
  const fail = (why: string): never => {
    throw new LongtailError(ErrorCode.InvalidFile, `${file} is not a valid tags file: ${why}`, { file });
  };
  const value = parseJsonText(text, file);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('it must be an object { "tags": [...] }');
  const tags = (value as { tags?: unknown }).tags;
  if (!Array.isArray(tags)) return fail('/tags must be an array of strings');
  if (tags.length > tagLimits.count) return fail(`/tags has ${tags.length} entries, at most ${tagLimits.count} are read`);
  const out: string[] = [];
  tags.forEach((tag, i) => {
    let t: string;
    try {
      t = checkTag(tag, `/tags/${i}`);
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
    if (!out.includes(t)) out.push(t);
  });
  return out;
}

/** Reads a run's tags: [] when there is no tags.json; INVALID_FILE / TOO_LARGE (naming the file) when it is bad. */
export async function readTags(files: RunFiles, runDir: string): Promise<string[]> {
  const file = tagsFile(runDir);
  let size: number;
  try {
    const st = await files.stat(file);
    if (st.isSymbolicLink) throw new LongtailError(ErrorCode.NotRegularFile, `${file} is a symbolic link; tags are read from a plain file only`, { file });
    if (!st.isFile) throw new LongtailError(ErrorCode.NotRegularFile, `${file} is not a file`, { file });
    size = st.size;
  } catch (error) {
    if (files.missing(error)) return [];
    throw error instanceof LongtailError ? error : new LongtailError(ErrorCode.IoError, `${file} cannot be read (${error instanceof Error ? error.message : String(error)})`, { file });
  }
  if (size > tagLimits.fileBytes) throw new LongtailError(ErrorCode.TooLarge, `${file} is ${size} bytes; a tags file has at most ${tagLimits.fileBytes}`, { file });
  let bytes: Uint8Array;
  try {
    bytes = await files.readFile(file);
  } catch (error) {
    if (files.missing(error)) return [];
    throw new LongtailError(ErrorCode.IoError, `${file} cannot be read (${error instanceof Error ? error.message : String(error)})`, { file });
  }
  // The size is checked again: the file may have grown between stat and read.
  if (bytes.byteLength > tagLimits.fileBytes) throw new LongtailError(ErrorCode.TooLarge, `${file} is ${bytes.byteLength} bytes; a tags file has at most ${tagLimits.fileBytes}`, { file });
  return parseTags(new TextDecoder('utf-8', { fatal: false }).decode(bytes), file);
}

let tempCounter = 0;

/**
 * Writes a run's tags atomically: `tags` are checked ({@link checkTags}), written to a temporary sibling
 * `.tags.json.tmp-<n>` in the run folder, then renamed over tags.json. An empty list writes `{ "tags": [] }`
 * (the file is kept, so "no tags" is a choice that was made). report.json is never touched. Returns the
 * tags written.
 */
export async function writeTags(files: RunFiles, runDir: string, tags: readonly unknown[]): Promise<string[]> {
  const file = tagsFile(runDir);
  const checked = checkTags(tags, file);
  const text = `${JSON.stringify({ tags: checked }, null, 2)}\n`;
  tempCounter++;
  const tmp = joinPath(runDir, `.${tagsFileName}.tmp-${Date.now().toString(36)}-${tempCounter}`);
  try {
    await files.writeFile(tmp, new TextEncoder().encode(text));
    await files.rename(tmp, file);
  } catch (error) {
    await files.delete(tmp).catch(() => undefined);
    throw new LongtailError(ErrorCode.OutputNotWritable, `${file} cannot be written (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`, { file });
  }
  return checked;
}
