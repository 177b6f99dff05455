/** JSON parsing for files the user owns (reports, longtail.json), with errors in the project's one error type. vscode-free. */
import { ErrorCode, LongtailError } from '../protocol/errors';

/**
 * Parses `text` read from `file`. Invalid JSON is an INVALID_FILE error whose one-line message names the
 * file and what is wrong (`/ws/report.json: not valid JSON (Unexpected end of JSON input)`); an empty
 * file says so.
 */
export function parseJsonText(text: string, file: string): unknown {
  if (text.trim() === '') {
    throw new LongtailError(ErrorCode.InvalidFile, `${file}: the file is empty (expected JSON)`, { file });
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new LongtailError(ErrorCode.InvalidFile, `${file}: not valid JSON (${reason})`, { file });
  }
}
