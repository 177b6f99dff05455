/** Reading report.json files with clear errors (used by `longtail report`). */
import { readFile } from 'node:fs/promises';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { Report } from '../../protocol/report';
import { parseReport } from '../../protocol/validateReport';

/** Reads a report.json and validates it against report.schema.json ({@link parseReport}). */
export async function readReport(file: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LongtailError(ErrorCode.FileNotFound, `${file} does not exist`, { file });
    if (code === 'EISDIR') throw new LongtailError(ErrorCode.InvalidFile, `${file} is a directory, not a report.json`, { file });
    throw new LongtailError(ErrorCode.InvalidFile, `cannot read ${file}: ${(error as Error).message}`, { file });
  }
  return parseReport(text, file);
}
