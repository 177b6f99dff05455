/**
 * The vscode-free part of the preprocessing question (preprocessingPreset.ts): when to ask, validating custom
 * mean/std text, and rewriting longtail.json's `preprocessing` while keeping every other key, the key order and the
 * file's indentation.
 */
import type { PreprocessingOptions } from '../protocol/preprocessing';

/** Checkpoints that are classifier heads applied to features (nothing to normalise). */
const headCheckpoint = /\.(npz|npy|safetensors|pth|pt|ckpt|bin)$/i;
/** Eval files that hold features or logits. */
const featureData = /\.(npz|npy|safetensors)$/i;

/**
 * True when the analysis should ask for preprocessing first: a model that takes raw inputs (not a head), eval data
 * that is not a feature file, and no `preprocessing` entry in longtail.json.
 */
export function shouldAskPreprocessing(config: Readonly<Record<string, unknown>>, modelPath: string | undefined, evalPath: string): boolean {
  if (!modelPath || headCheckpoint.test(modelPath)) return false;
  if (featureData.test(evalPath) || /-\d{5}-of-\d{5}\./.test(evalPath) || /\*/.test(evalPath)) return false;
  return config.preprocessing === undefined;
}

/**
 * Parses `0.485, 0.456, 0.406` into `channels` finite numbers; returns an error sentence instead when the text is
 * not that (`positive` also requires every value > 0, for std).
 */
export function parseChannelValues(text: string, channels: number, what: string, positive: boolean): number[] | string {
  const parts = text.split(',').map((t) => t.trim());
  const values = parts.map((t) => (t === '' ? Number.NaN : Number(t)));
  if (values.some((v) => !Number.isFinite(v))) return `${what}: comma-separated numbers, e.g. ${channels === 1 ? '0.5' : '0.5, 0.5, 0.5'}`;
  if (values.length !== channels) return `${what}: ${channels} value${channels === 1 ? '' : 's'}, one per channel of the images (got ${values.length})`;
  if (positive && values.some((v) => v <= 0)) return `${what}: every value must be greater than 0`;
  return values;
}

/** The indentation unit of a JSON text (its first indented line), two spaces by default. */
function indentOf(text: string): string | number {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1] : 2;
}

/**
 * longtail.json's text with `preprocessing` set (replaced where it was, else appended), every other key kept in its
 * order, in the file's indentation. `text` undefined: a new file. Returns null when the text is not a JSON object
 * (never overwrite what the user wrote). `normalisationOnly`: only `scale`, `mean` and `std` change, the entry's other
 * fields (resize, channels, channel order) stay — what the probe measured a preset against.
 */
export function withPreprocessingEntry(text: string | undefined, preprocessing: PreprocessingOptions, normalisationOnly = false): string | null {
  let existing: Record<string, unknown> = {};
  if (text !== undefined && text.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return null;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    existing = parsed as Record<string, unknown>;
  }
  const current = existing.preprocessing;
  if (normalisationOnly && typeof current === 'object' && current !== null && !Array.isArray(current)) {
    const kept = Object.fromEntries(Object.entries(current as Record<string, unknown>).filter(([k]) => k !== 'scale' && k !== 'mean' && k !== 'std'));
    preprocessing = { ...kept, ...preprocessing } as PreprocessingOptions;
  }
  const next: Record<string, unknown> = 'preprocessing' in existing ? {} : { ...existing };
  if ('preprocessing' in existing) for (const [k, v] of Object.entries(existing)) next[k] = k === 'preprocessing' ? preprocessing : v;
  else next.preprocessing = preprocessing;
  return JSON.stringify(next, null, text ? indentOf(text) : 2) + '\n';
}
