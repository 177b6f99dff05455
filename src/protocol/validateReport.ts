/**
 * The one check of a report.json, used wherever a report is read (engine `readReport`, the extension's
 * dashboard and commands, the dashboard webview): the full JSON Schema (report.schema.json) through the
 * validator that ajv's standalone mode generated from it (src/protocol/generated/, no `eval`, no imports).
 * A failure is one {@link LongtailError} with code INVALID_FILE naming the file and the first wrong field
 * as a JSON Pointer with what is wrong.
 */
import { ErrorCode, LongtailError } from './errors';
import { validateReportSchema, type ReportSchemaError } from './generated/reportValidator';
import type { Report } from './report';

/** The `schemaVersion` this version reads. */
const readsSchemaVersion = 1;

/** Longest quoted value in a message (class names and paths are untrusted and can be long). */
const maxQuoted = 40;

/** A scalar as JSON, cut to {@link maxQuoted} characters. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > maxQuoted ? `${text.slice(0, maxQuoted - 1)}…` : text;
}

/** Describes a value in a few characters: its JSON type, and the value itself when it is a scalar. */
function found(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const kind = typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
  return `${kind} ${quoted(value)}`;
}

/** The value at a JSON Pointer (RFC 6901), or undefined. */
function valueAt(root: unknown, pointer: string): unknown {
  let v: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function child(pointer: string, key: unknown): string {
  return `${pointer}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function typeNames(type: unknown): string[] {
  return (Array.isArray(type) ? type : String(type).split(',')).map((t) => String(t));
}

/**
 * "`pointer` what is wrong" for the first error. When the first error is a type mismatch inside a
 * union (`oneOf`/`anyOf` of several types, such as a data source or null), every type accepted at that
 * place is named, not only the first branch's.
 */
function describe(errors: readonly ReportSchemaError[], root: unknown): string {
  const first = errors[0];
  const at = first.instancePath;
  // Keys are untrusted text: control characters escaped (the message stays one line), long keys cut.
  const where = (pointer: string): string => {
    if (pointer === '') return 'the top level';
    const line = pointer.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    return line.length > 3 * maxQuoted ? `${line.slice(0, 3 * maxQuoted - 1)}…` : line;
  };
  const p = first.params;
  switch (first.keyword) {
    case 'required':
      return `${where(child(at, p.missingProperty))} is missing`;
    case 'additionalProperties':
      return `${where(child(at, p.additionalProperty))} is not a field of a version ${readsSchemaVersion} report`;
    case 'type': {
      const types = new Set<string>();
      for (const e of errors) if (e.keyword === 'type' && e.instancePath === at) typeNames(e.params.type).forEach((t) => types.add(t));
      return `${where(at)} must be ${[...types].join(' or ')} (found ${found(valueAt(root, at))})`;
    }
    case 'const':
      return `${where(at)} must be ${JSON.stringify(p.allowedValue)} (found ${found(valueAt(root, at))})`;
    case 'enum':
      return `${where(at)} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (found ${found(valueAt(root, at))})`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${where(at)} must be ${String(p.comparison)} ${String(p.limit)} (found ${found(valueAt(root, at))})`;
    case 'minItems':
    case 'maxItems':
      return `${where(at)} must have ${first.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} item${p.limit === 1 ? '' : 's'} (found ${found(valueAt(root, at))})`;
    default:
      return `${where(at)} ${first.message ?? `fails the schema's '${first.keyword}'`}`;
  }
}

/**
 * Checks a parsed report.json against report.schema.json and returns it typed as a {@link Report}.
 * Throws {@link LongtailError} with {@link ErrorCode.InvalidFile}, one line:
 * `<file> is not a valid Long-Tail Lens report: /classes/3/bucket must be one of "many", "medium", "few" (found string "head")`.
 * A report of another `schemaVersion` gets its own message (no field-by-field comparison with version 1).
 *
 * @param value the parsed JSON
 * @param file how to name the report in the message (a path, or e.g. "the embedded report")
 */
export function validateReport(value: unknown, file: string): Report {
  const fail = (why: string): never => {
    throw new LongtailError(ErrorCode.InvalidFile, `${file} is not a valid Long-Tail Lens report: ${why}`, { file });
  };
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'schemaVersion' in value) {
    const version = (value as { schemaVersion: unknown }).schemaVersion;
    if (version !== readsSchemaVersion) fail(`/schemaVersion must be ${readsSchemaVersion}: this version of Long-Tail Lens cannot read schemaVersion ${quoted(version)}`);
  }
  if (!validateReportSchema(value)) {
    const errors = validateReportSchema.errors;
    fail(errors && errors.length > 0 ? describe(errors, value) : 'it does not match report.schema.json');
  }
  return value as Report;
}

/**
 * Parses report.json text (a leading byte-order mark is ignored) and validates it with
 * {@link validateReport}. An empty file or invalid JSON is {@link ErrorCode.InvalidFile} too, with the
 * parser's one-line reason.
 */
export function parseReport(text: string, file: string): Report {
  if (text.trim() === '') throw new LongtailError(ErrorCode.InvalidFile, `${file} is empty, not a report.json`, { file });
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new LongtailError(ErrorCode.InvalidFile, `${file} is not valid JSON: ${reason}`, { file });
  }
  return validateReport(value, file);
}
