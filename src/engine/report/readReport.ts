/** Reading report.json files with clear errors (used by `longtail report` and the extension). */
import { readFile } from 'node:fs/promises';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { Report } from '../../protocol/report';

/**
 * Checks the shape the dashboard relies on (a structural check, not the full JSON Schema) and returns
 * the value as a {@link Report}; throws {@link ErrorCode.InvalidFile} naming `file` otherwise.
 */
export function asReport(value: unknown, file: string): Report {
  const fail = (why: string): never => {
    throw new LongtailError(ErrorCode.InvalidFile, `${file} is not a Long-Tail Lens report: ${why}`, { file });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected a JSON object');
  const v = value as Record<string, unknown>;
  if (v.schemaVersion !== 1) fail(v.schemaVersion === undefined ? 'no schemaVersion' : `unsupported schemaVersion ${JSON.stringify(v.schemaVersion)} (this version reads 1)`);
  if (!Array.isArray(v.classes) || v.classes.length === 0) fail('no classes');
  const summary = v.summary as Record<string, unknown> | undefined;
  if (typeof summary !== 'object' || summary === null || typeof summary.balancedError !== 'number' || typeof summary.buckets !== 'object') fail('no summary');
  for (const key of ['confusion', 'postHoc', 'calibration', 'model', 'data', 'engine'] as const) {
    if (typeof v[key] !== 'object' || v[key] === null) fail(`missing '${key}'`);
  }
  const classes = v.classes as unknown[];
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i] as Record<string, unknown> | null;
    if (!c || typeof c.name !== 'string' || typeof c.trainCount !== 'number' || !['many', 'medium', 'few'].includes(c.bucket as string)) {
      fail(`class ${i} lacks name, trainCount or bucket`);
    }
  }
  return value as Report;
}

/** Reads and validates a report.json. */
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
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LongtailError(ErrorCode.InvalidFile, `${file} is not valid JSON: ${(error as Error).message}`, { file });
  }
  return asReport(value, file);
}
