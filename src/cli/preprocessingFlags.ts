/** CLI flags for preprocessing (`--scale`, `--resize`, `--channels`, `--channel-order`, `--mean`, `--std`). */
import type { PreprocessingOptions } from '../protocol/preprocessing';
import { UsageError } from './usageError';

/** The flags in node:util parseArgs form. */
export const preprocessingFlags = {
  scale: { type: 'string' },
  resize: { type: 'string' },
  channels: { type: 'string' },
  'channel-order': { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
} as const;

/** Usage lines for the flags. */
export const preprocessingUsage = `  --scale unit|none       uint8 pixels / 255 (unit, default) or raw 0..255
  --resize HxW[:nearest]  resize images (bilinear by default)
  --channels 1|3          force grayscale or colour
  --channel-order rgb|bgr channel order the model expects
  --mean a,b,c --std a,b,c per-channel normalisation after scaling
  (flags override longtail.json's "preprocessing")
`;

function numbers(name: string, text: string): number[] {
  const values = text.split(',').map((t) => Number(t.trim()));
  if (!values.length || values.some((v) => !Number.isFinite(v))) throw new UsageError(`--${name} must be comma-separated numbers (got '${text}')`);
  return values;
}

/** Parses the flags; returns only the fields that were given. */
export function parsePreprocessingFlags(values: { scale?: string; resize?: string; channels?: string; 'channel-order'?: string; mean?: string; std?: string }): PreprocessingOptions {
  const out: { -readonly [K in keyof PreprocessingOptions]: PreprocessingOptions[K] } = {};
  if (values.scale !== undefined) {
    if (values.scale !== 'unit' && values.scale !== 'none') throw new UsageError(`--scale must be unit or none (got '${values.scale}')`);
    out.scale = values.scale;
  }
  if (values.resize !== undefined) {
    const m = /^(\d+)x(\d+)(?::(bilinear|nearest))?$/.exec(values.resize);
    if (!m) throw new UsageError(`--resize must look like 32x32 or 224x224:nearest (got '${values.resize}')`);
    out.resize = { height: Number(m[1]), width: Number(m[2]), ...(m[3] ? { method: m[3] as 'bilinear' | 'nearest' } : {}) };
  }
  if (values.channels !== undefined) {
    if (values.channels !== '1' && values.channels !== '3') throw new UsageError(`--channels must be 1 or 3 (got '${values.channels}')`);
    out.channels = Number(values.channels) as 1 | 3;
  }
  if (values['channel-order'] !== undefined) {
    const order = values['channel-order'];
    if (order !== 'rgb' && order !== 'bgr') throw new UsageError(`--channel-order must be rgb or bgr (got '${order}')`);
    out.channelOrder = order;
  }
  if (values.mean !== undefined) out.mean = numbers('mean', values.mean);
  if (values.std !== undefined) out.std = numbers('std', values.std);
  return out;
}
