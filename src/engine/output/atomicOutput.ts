/**
 * Outputs are written so that nothing the user owns is overwritten or half-written: a file goes to a
 * temporary sibling and is renamed into place; a folder is filled under a temporary sibling name and
 * renamed at the end (refusing a non-empty target). A failure or cancellation leaves no partial output.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { outputError } from '../io/fileAccess';

function tempSibling(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Writes `data` to `file` atomically: a temporary sibling is written, then hard-linked to `file`
 * (which fails instead of replacing when `file` appeared meanwhile) or renamed over it when
 * `overwrite` is set (or on file systems without hard links, after re-checking). Parent folders are
 * created.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: { overwrite?: boolean } = {}): Promise<void> {
  const exists = (): boolean => existsSync(file);
  const refuse = (): LongtailError => new LongtailError(ErrorCode.OutputExists, `${file} already exists; choose another output path`, { file });
  if (!options.overwrite && exists()) {
    throw refuse();
  }
  // File-system faults (read-only, full disk, permissions, a race) become typed errors naming the output.
  await fs.mkdir(path.dirname(file), { recursive: true }).catch((e: unknown) => {
    throw outputError(e, file);
  });
  const tmp = tempSibling(file);
  try {
    await fs.writeFile(tmp, data, { flag: 'wx' });
    if (options.overwrite) {
      await fs.rename(tmp, file);
      return;
    }
    try {
      await fs.link(tmp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' || exists()) {
        throw refuse();
      }
      await fs.rename(tmp, file);
    }
  } catch (error) {
    throw outputError(error, file);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Throws {@link ErrorCode.OutputExists} unless `dir` is absent or an empty folder. */
export async function assertEmptyOrAbsent(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new LongtailError(ErrorCode.OutputExists, `${dir} is a file, not a folder`, { file: dir });
    }
    throw outputError(error, dir);
  }
  if (entries.length > 0) {
    throw new LongtailError(ErrorCode.OutputExists, `${dir} is not empty; choose a new output folder`, { file: dir });
  }
}

/**
 * Fills a new folder atomically: `fill` writes into a temporary sibling folder, which is renamed to
 * `dir` once `fill` resolves. If `fill` throws (or is cancelled) the temporary folder is removed.
 */
export async function writeDirAtomic<T>(dir: string, fill: (tmpDir: string) => Promise<T>): Promise<T> {
  await assertEmptyOrAbsent(dir);
  const tmp = tempSibling(path.resolve(dir));
  try {
    await fs.mkdir(path.dirname(path.resolve(dir)), { recursive: true });
    await fs.mkdir(tmp);
  } catch (error) {
    throw outputError(error, dir);
  }
  try {
    const result = await fill(tmp);
    // `dir` was checked to be absent or empty; an empty folder is replaced. A run that filled it
    // meanwhile (two fine-tunes racing to one --out) makes rmdir/rename fail: OUTPUT_EXISTS, not a bug.
    try {
      await fs.rmdir(dir).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      await fs.rename(tmp, dir);
    } catch (error) {
      throw outputError(error, dir);
    }
    return result;
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
