/** Reading report.json files with clear errors (used by `longtail report`). */
import type { Report } from '../../protocol/report';
import { parseReport } from '../../protocol/validateReport';
import { readTextFile } from '../io/fileAccess';

/** Reads a report.json and validates it against report.schema.json ({@link parseReport}). */
export async function readReport(file: string): Promise<Report> {
  // Through the file-access layer: a regular file only, size-capped, a UTF-8 byte-order mark dropped.
  return parseReport(await readTextFile(file, { what: 'report.json' }), file);
}
