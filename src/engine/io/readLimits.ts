/**
 * The engine's read limits: ceilings on sizes that come from untrusted files, so that a hostile or
 * broken input fails with {@link ErrorCode.TooLarge} naming the file instead of exhausting memory or
 * disk. Each limit has a default and an environment variable that raises it for a genuinely huge
 * dataset (docs/limits.md lists them):
 *
 * | limit | variable | default |
 * |---|---|---|
 * | a file read whole (JSON, list files, class names, model.json, one image) | `LONGTAIL_MAX_FILE_MB` | 1024 MiB |
 * | one decompressed stream (npz member, `.gz` file) | `LONGTAIL_MAX_INFLATE_MB` | 8192 MiB |
 * | a decompressed member kept in memory (larger ones stream to a temp file) | `LONGTAIL_MAX_INFLATE_MEMORY_MB` | 256 MiB |
 * | pixels of one decoded PNG/JPEG image | `LONGTAIL_MAX_IMAGE_MPIXELS` | 64 megapixels |
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';

/** The limits in bytes (pixels for images). */
export interface ReadLimits {
  /** Largest file read whole into memory. */
  readonly wholeFileBytes: number;
  /** Largest output of one decompression. */
  readonly inflateBytes: number;
  /** Largest decompressed member held in memory; above it members stream into a temporary file. */
  readonly inflateMemoryBytes: number;
  /** Largest decoded image, in pixels. */
  readonly imagePixels: number;
}

const mib = 1024 * 1024;

/** The environment variable of each limit (also quoted in {@link LongtailError} messages). */
export const readLimitVariables: Readonly<Record<keyof ReadLimits, string>> = {
  wholeFileBytes: 'LONGTAIL_MAX_FILE_MB',
  inflateBytes: 'LONGTAIL_MAX_INFLATE_MB',
  inflateMemoryBytes: 'LONGTAIL_MAX_INFLATE_MEMORY_MB',
  imagePixels: 'LONGTAIL_MAX_IMAGE_MPIXELS',
};

const defaults: ReadLimits = { wholeFileBytes: 1024 * mib, inflateBytes: 8192 * mib, inflateMemoryBytes: 256 * mib, imagePixels: 64e6 };
const units: Readonly<Record<keyof ReadLimits, number>> = { wholeFileBytes: mib, inflateBytes: mib, inflateMemoryBytes: mib, imagePixels: 1e6 };

/**
 * The current limits: the defaults, raised or lowered by the environment variables (a positive number in
 * MiB, or megapixels). A malformed value is {@link ErrorCode.InvalidOption} naming the variable.
 */
export function readLimits(env: NodeJS.ProcessEnv = process.env): ReadLimits {
  const out: Record<keyof ReadLimits, number> = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof ReadLimits)[]) {
    const raw = env[readLimitVariables[key]];
    if (raw === undefined || raw === '') {
      continue;
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      throw new LongtailError(ErrorCode.InvalidOption, `${readLimitVariables[key]}=${raw}: must be a positive number`);
    }
    out[key] = Math.floor(value * units[key]);
  }
  return out;
}

/**
 * The {@link ErrorCode.TooLarge} error for `file`, saying which limit and how to raise it.
 * `what` names the quantity (e.g. "decompressed member 'x.npy'"), `size` its size, `limit` the ceiling.
 */
export function tooLarge(file: string, what: string, size: number, limit: number, key: keyof ReadLimits): LongtailError {
  const unit = key === 'imagePixels' ? 'pixels' : 'bytes';
  return new LongtailError(
    ErrorCode.TooLarge,
    `${file}: ${what} is ${size} ${unit}, over the limit of ${limit} ${unit} (raise it with ${readLimitVariables[key]})`,
    { file },
  );
}
