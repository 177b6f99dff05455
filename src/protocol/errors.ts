/**
 * Typed, serialisable errors shared by the engine, the CLI and the extension.
 *
 * Every error a user can cause carries a stable {@link ErrorCode}, a one-line message that names the
 * file involved (when there is one) and never a stack trace. The engine throws {@link LongtailError};
 * it crosses JSON-RPC as {@link EngineErrorData} in the error's `data` field and is rebuilt on the other
 * side with {@link LongtailError.fromData}.
 */

/** Stable error codes. The CLI prints them as `error[CODE]: message`. */
export const ErrorCode = {
  /** A path given by the user does not exist. */
  FileNotFound: 'FILE_NOT_FOUND',
  /** A file exists but its content is not a format the engine reads. */
  UnknownFormat: 'UNKNOWN_FORMAT',
  /** A file has the right format but its content is invalid (corrupt, truncated, inconsistent). */
  InvalidFile: 'INVALID_FILE',
  /** Shapes of two inputs do not agree (for example features vs classifier head). */
  ShapeMismatch: 'SHAPE_MISMATCH',
  /** Labels are negative, non-integer or out of range. */
  InvalidLabels: 'INVALID_LABELS',
  /** NaN or Inf where finite numbers are required. */
  NonFinite: 'NON_FINITE',
  /** A dataset with no examples. */
  EmptyDataset: 'EMPTY_DATASET',
  /** No classifier layer could be found in a checkpoint. */
  NoClassifier: 'NO_CLASSIFIER',
  /** The requested compute backend cannot be loaded on this machine. */
  BackendUnavailable: 'BACKEND_UNAVAILABLE',
  /** The GPU ran out of memory for a batch (WebGPU): the message names a smaller batch size to try. */
  GpuOutOfMemory: 'GPU_OUT_OF_MEMORY',
  /** The GPU device was lost (driver reset, GPU removed, timeout); the engine re-creates it on the next request. */
  GpuDeviceLost: 'GPU_DEVICE_LOST',
  /** An output location would overwrite something the user owns. */
  OutputExists: 'OUTPUT_EXISTS',
  /** A path names something other than a regular file where a file is read (FIFO, device, socket, directory). */
  NotRegularFile: 'NOT_REGULAR_FILE',
  /** A path resolves (through symlinks) outside the folder it must stay in (model folder, workspace). */
  OutsideFolder: 'OUTSIDE_FOLDER',
  /** A file, a declared size or a decompressed stream exceeds a read limit (see docs/limits.md). */
  TooLarge: 'TOO_LARGE',
  /** An output path cannot be written: read-only, permission denied, or a symlink where a file is created. */
  OutputNotWritable: 'OUTPUT_NOT_WRITABLE',
  /** The disk (or quota) is full while writing an output. */
  DiskFull: 'DISK_FULL',
  /** Any other operating-system I/O failure on a named file (EIO, too many open files, name too long). */
  IoError: 'IO_ERROR',
  /** Invalid option value (CLI flags, settings, longtail.json). */
  InvalidOption: 'INVALID_OPTION',
  /** The operation was cancelled by the user. */
  Cancelled: 'CANCELLED',
  /** The engine process exited while a request was in flight. */
  EngineExited: 'ENGINE_EXITED',
  /** A bug: anything not anticipated. Shown with a request to report it. */
  Internal: 'INTERNAL',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Errors caused by the user's input or data (CLI exit code 1), as opposed to usage, cancellation or bugs. */
const userInputCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.FileNotFound,
  ErrorCode.UnknownFormat,
  ErrorCode.InvalidFile,
  ErrorCode.ShapeMismatch,
  ErrorCode.InvalidLabels,
  ErrorCode.NonFinite,
  ErrorCode.EmptyDataset,
  ErrorCode.NoClassifier,
  ErrorCode.BackendUnavailable,
  ErrorCode.GpuOutOfMemory,
  ErrorCode.GpuDeviceLost,
  ErrorCode.OutputExists,
  ErrorCode.InvalidOption,
  ErrorCode.NotRegularFile,
  ErrorCode.OutsideFolder,
  ErrorCode.TooLarge,
  ErrorCode.OutputNotWritable,
  ErrorCode.DiskFull,
  ErrorCode.IoError,
]);

/** The JSON shape of an engine error; sent as the `data` of a JSON-RPC error response. */
export interface EngineErrorData {
  /** Stable code. */
  readonly code: ErrorCode;
  /** One line, names the file when there is one; safe to show to the user as plain text. */
  readonly message: string;
  /** The file the error is about, if any (absolute or as the user gave it). */
  readonly file?: string;
  /** Extra lines for the log (for example the engine's stderr tail); never shown as the headline. */
  readonly detail?: string;
}

/** The one error type the engine throws on purpose. */
export class LongtailError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly detail?: string;

  constructor(code: ErrorCode, message: string, options: { file?: string; detail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LongtailError';
    this.code = code;
    this.file = options.file;
    this.detail = options.detail;
  }

  /** True when the user's input or data caused it (CLI exit code 1). */
  get isUserInputError(): boolean {
    return userInputCodes.has(this.code);
  }

  /** Serialisable form for the wire. */
  toData(): EngineErrorData {
    return { code: this.code, message: this.message, file: this.file, detail: this.detail };
  }

  /** Rebuilds an error received over the wire. */
  static fromData(data: EngineErrorData): LongtailError {
    return new LongtailError(data.code, data.message, { file: data.file, detail: data.detail });
  }
}

/** Type guard for serialised {@link EngineErrorData}. */
export function isEngineErrorData(value: unknown): value is EngineErrorData {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as { code?: unknown; message?: unknown };
  return (
    typeof v.message === 'string' &&
    typeof v.code === 'string' &&
    (Object.values(ErrorCode) as string[]).includes(v.code)
  );
}

/**
 * Turns anything thrown into a {@link LongtailError}: typed errors pass through, anything else becomes
 * {@link ErrorCode.Internal} keeping the original as `cause`.
 */
export function toLongtailError(error: unknown): LongtailError {
  if (error instanceof LongtailError) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new LongtailError(ErrorCode.Internal, `internal error: ${message}`, { cause: error });
}
