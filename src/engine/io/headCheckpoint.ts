/**
 * Finds the classifier head (the last linear layer) in a `.npz`, `.safetensors` or `.npy` checkpoint.
 *
 * - PyTorch `nn.Linear`: `weight` `[C, D]`, optional `bias` `[C]`.
 * - Keras `Dense`: `kernel` `[D, C]` (transposed here to `[C, D]`), optional `bias` `[C]`.
 * Keys are found in state-dict form (`fc.weight`, `classifier.bias`, `head.weight`, `module.fc.weight`,
 * `dense_1/kernel:0`). When several 2-D weights qualify, one whose prefix names a head (`fc`,
 * `classifier`, `head`, `linear`, `logits`, `last_linear`, `out`, `output`, `predictions`, `dense`) wins;
 * among `classifier.0` … `classifier.6` the highest index wins; otherwise the caller must pass `headKey`
 * (the error lists the candidates).
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { formatShape, type TensorEntry } from './tensorArray';
import { toFloat32Array } from './tensorConvert';
import { openTensorFile } from './tensorFile';

/** Options for {@link loadHeadCheckpoint}. */
export interface HeadCheckpointOptions {
  /** Key prefix of the head, e.g. `fc` or `module.classifier.6` (or the full weight key). */
  readonly headKey?: string;
  /** Force the weight layout; by default `kernel` means Keras `[D, C]` and anything else PyTorch `[C, D]`. */
  readonly layout?: 'pytorch' | 'keras';
}

/** A classifier head normalised to PyTorch layout. */
export interface HeadCheckpoint {
  /** The checkpoint file. */
  readonly path: string;
  /** Row-major `[numClasses, dim]`. */
  readonly weight: Float32Array;
  /** `[numClasses]`, or null when the checkpoint has no bias. */
  readonly bias: Float32Array | null;
  /** C. */
  readonly numClasses: number;
  /** D (embedding size). */
  readonly dim: number;
  /** Key the weight was read from. */
  readonly weightKey: string;
  /** Key the bias was read from, or null. */
  readonly biasKey: string | null;
  /** Layout the weight was stored in (`keras` was transposed). */
  readonly layout: 'pytorch' | 'keras';
}

const headNames = new Set(['fc', 'classifier', 'head', 'linear', 'logits', 'last_linear', 'out', 'output', 'predictions', 'dense', 'cls', 'fc_cls']);

interface Candidate {
  readonly entry: TensorEntry;
  /** Key without the `weight`/`kernel` suffix (empty for a bare `weight`). */
  readonly prefix: string;
  readonly separator: string;
  readonly suffix: 'weight' | 'kernel' | '';
}

function parseKey(name: string): { prefix: string; separator: string; suffix: 'weight' | 'kernel' | '' } | null {
  const clean = name.replace(/:\d+$/, '');
  const m = /^(?:(.*)([./]))?(weight|kernel)$/.exec(clean);
  if (!m) {
    return null;
  }
  return { prefix: m[1] ?? '', separator: m[2] ?? '.', suffix: m[3] as 'weight' | 'kernel' };
}

function isFloat(entry: TensorEntry): boolean {
  return entry.dtype.startsWith('float') || entry.dtype === 'bfloat16';
}

function components(prefix: string): string[] {
  return prefix.split(/[./]/).filter((c) => c.length > 0 && c !== 'module');
}

function describe(c: Candidate): string {
  return `${c.entry.name} ${formatShape(c.entry.shape)}`;
}

function choose(candidates: Candidate[], path: string, headKey: string | undefined): Candidate {
  if (headKey !== undefined) {
    const key = headKey.replace(/[./]$/, '');
    const hit = candidates.find((c) => c.entry.name === key || c.prefix === key || c.prefix === `module.${key}` || (key === '' && c.prefix === ''));
    if (!hit) {
      throw new LongtailError(
        ErrorCode.NoClassifier,
        `${path}: no 2-D weight under head key '${headKey}'; candidates: ${candidates.map(describe).join(', ') || 'none'}`,
        { file: path },
      );
    }
    return hit;
  }
  if (candidates.length === 1) {
    return candidates[0];
  }
  let named = candidates.filter((c) => {
    const parts = components(c.prefix).filter((p) => !/^\d+$/.test(p));
    return parts.length > 0 && headNames.has(parts[parts.length - 1].toLowerCase().replace(/_\d+$/, ''));
  });
  if (named.length > 1) {
    // classifier.0 … classifier.6 (a Sequential head): the highest index is the last layer.
    const base = (c: Candidate): string => c.prefix.replace(/[./]\d+$/, '');
    if (named.every((c) => base(c) === base(named[0]))) {
      const index = (c: Candidate): number => Number(/(\d+)$/.exec(c.prefix)?.[1] ?? -1);
      named = [named.reduce((a, b) => (index(b) > index(a) ? b : a))];
    } else {
      // Keras dense, dense_1, dense_2: the highest suffix is the last layer.
      const kerasBase = (c: Candidate): string => c.prefix.replace(/_\d+$/, '');
      if (named.every((c) => kerasBase(c) === kerasBase(named[0]))) {
        const index = (c: Candidate): number => Number(/_(\d+)$/.exec(c.prefix)?.[1] ?? 0);
        named = [named.reduce((a, b) => (index(b) > index(a) ? b : a))];
      }
    }
  }
  if (named.length === 1) {
    return named[0];
  }
  const list = candidates.map(describe).join(', ');
  throw new LongtailError(
    ErrorCode.NoClassifier,
    candidates.length === 0
      ? `${path}: no classifier layer found (no 2-D floating-point 'weight' or 'kernel' tensor)`
      : `${path}: several possible classifier layers; choose one with headKey (candidates: ${list})`,
    { file: path },
  );
}

/** Reads the classifier head of a checkpoint; see the module comment for the rules. */
export async function loadHeadCheckpoint(path: string, options: HeadCheckpointOptions = {}): Promise<HeadCheckpoint> {
  const file = await openTensorFile(path);
  try {
    let candidates: Candidate[] = [];
    for (const entry of file.entries) {
      const key = parseKey(entry.name);
      if (key && entry.shape.length === 2 && isFloat(entry)) {
        candidates.push({ entry, ...key });
      }
    }
    if (file.format === 'npy' && candidates.length === 0 && file.entries[0].shape.length === 2 && isFloat(file.entries[0])) {
      candidates = [{ entry: file.entries[0], prefix: '', separator: '.', suffix: '' }];
    }
    const chosen = choose(candidates, path, options.headKey);
    const layout = options.layout ?? (chosen.suffix === 'kernel' ? 'keras' : 'pytorch');
    const raw = toFloat32Array(await chosen.entry.read());
    const [r, c] = chosen.entry.shape;
    const numClasses = layout === 'keras' ? c : r;
    const dim = layout === 'keras' ? r : c;
    let weight = raw;
    if (layout === 'keras') {
      weight = new Float32Array(numClasses * dim);
      for (let d = 0; d < dim; d++) {
        for (let k = 0; k < numClasses; k++) {
          weight[k * dim + d] = raw[d * numClasses + k];
        }
      }
    }
    if (numClasses === 0 || dim === 0) {
      throw new LongtailError(ErrorCode.NoClassifier, `${path}: classifier weight '${chosen.entry.name}' is empty ${formatShape(chosen.entry.shape)}`, { file: path });
    }
    assertFinite(weight, path, chosen.entry.name);
    const biasNames = chosen.prefix === '' ? ['bias'] : [`${chosen.prefix}${chosen.separator}bias`, `${chosen.prefix}${chosen.separator}bias:0`];
    const biasEntry = biasNames.map((n) => file.get(n)).find((e) => e !== undefined);
    let bias: Float32Array | null = null;
    if (biasEntry) {
      if (biasEntry.shape.length !== 1 || biasEntry.shape[0] !== numClasses) {
        throw new LongtailError(
          ErrorCode.ShapeMismatch,
          `${path}: bias '${biasEntry.name}' has shape ${formatShape(biasEntry.shape)} but weight '${chosen.entry.name}' ${formatShape(chosen.entry.shape)} has ${numClasses} classes`,
          { file: path },
        );
      }
      bias = Float32Array.from(toFloat32Array(await biasEntry.read()));
      assertFinite(bias, path, biasEntry.name);
    }
    return { path, weight: weight === raw ? Float32Array.from(raw) : weight, bias, numClasses, dim, weightKey: chosen.entry.name, biasKey: biasEntry?.name ?? null, layout };
  } finally {
    await file.close();
  }
}

function assertFinite(values: Float32Array, path: string, key: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new LongtailError(ErrorCode.NonFinite, `${path}: '${key}' holds ${values[i]} at flat index ${i}`, { file: path });
    }
  }
}
