/**
 * The preprocessing presets (see {@link PreprocessingPresetId}): per-channel mean/std applied after scaling pixels to
 * [0, 1], i.e. x' = (x / 255 − mean_c) / std_c, as torchvision's `ToTensor()` + `Normalize(mean, std)`.
 * - `unit`: no normalisation (x / 255).
 * - `imagenet`: mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225) — torchvision's ImageNet models.
 * - `cifar10`: mean (0.4914, 0.4822, 0.4465), std (0.2470, 0.2435, 0.2616) — the CIFAR-10 training set's statistics.
 * - `training-stats`: the analysed training set's own per-channel mean/std (trainingStatistics.ts).
 * A 1-channel model gets the mean of the three channel values (ImageNet: mean 0.449, std 0.226).
 */
import type { PreprocessingOptions, PreprocessingPresetId } from './preprocessing';

/** Every preset, in the order they are offered. */
export const preprocessingPresetIds: readonly PreprocessingPresetId[] = ['unit', 'imagenet', 'cifar10', 'training-stats'];

const published: Record<'imagenet' | 'cifar10', { mean: number[]; std: number[] }> = {
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
};

/** A short human name of a preset, for the quick pick, hints and the dashboard. */
export function presetLabel(id: PreprocessingPresetId | 'configured'): string {
  switch (id) {
    case 'unit':
      return 'pixels in [0, 1]';
    case 'imagenet':
      return 'ImageNet mean/std';
    case 'cifar10':
      return 'CIFAR-10 mean/std';
    case 'training-stats':
      return "the training set's own mean/std";
    case 'configured':
      return 'the configured preprocessing';
  }
}

const mean3 = (v: readonly number[]): number => (v[0] + v[1] + v[2]) / 3;

/**
 * The mean/std of a preset for a model of `channels` (1 or 3) input channels; `training` gives the training set's
 * statistics (required for `training-stats`). Returns null mean/std for `unit`.
 */
export function presetMeanStd(id: PreprocessingPresetId, channels: number, training?: { readonly mean: readonly number[]; readonly std: readonly number[] } | null): { mean: number[] | null; std: number[] | null } {
  if (id === 'unit') return { mean: null, std: null };
  if (id === 'training-stats') {
    if (!training) throw new Error('training-stats needs the training set statistics');
    return { mean: [...training.mean], std: [...training.std] };
  }
  const p = published[id];
  return channels === 1 ? { mean: [mean3(p.mean)], std: [mean3(p.std)] } : { mean: [...p.mean], std: [...p.std] };
}

/** `base` with a preset's normalisation: scale `unit`, mean/std replaced (resize, channels and channel order kept). */
export function withPreset(base: PreprocessingOptions, meanStd: { mean: readonly number[] | null; std: readonly number[] | null }): PreprocessingOptions {
  const out: { -readonly [K in keyof PreprocessingOptions]: PreprocessingOptions[K] } = { ...base, scale: 'unit' };
  delete out.mean;
  delete out.std;
  return { ...out, ...(meanStd.mean ? { mean: meanStd.mean } : {}), ...(meanStd.std ? { std: meanStd.std } : {}) };
}
