/**
 * A fine-tune note for classes with no training example. Nothing in the training data pulls such a class's
 * scores towards its examples; with a prior-based loss (logit adjustment, balanced softmax: π_y floored at
 * `minPrior` = 1e-12, docs/methods.md §2.4) its softmax probability stays ≈ 0, its gradient is ≈ 1e-13…1e-10, and
 * Adam's step on it is ≈ lr·m̂/ε: set by ε, not by the data. Whether such a class then wins predictions (and so
 * the balanced error) depends on ε: this product's Adam uses TF.js's ε = 1e-7, PyTorch's default is 1e-8
 * (measured on a 1,000-class head with 9 such classes: 97.8% vs 48.1% balanced error after one epoch, the same
 * run otherwise; docs/performance.md §head training). The run is right either way; the note says why its
 * numbers can differ from a PyTorch run and which classes are the cause.
 */
import { adamEpsilon } from './headOptimizer';

/** How many class ids a note lists before "…". */
const listed = 12;

/**
 * The note, or null when every class has a training example.
 * @param counts training examples per class, length C
 * @param evalLabels eval labels (in [0, C)), to say how many of the empty classes the evaluation contains
 * @param optimizer the run's optimizer
 * @param priorOffset whether the loss adds τ·log π to the logits (la and elm with τ > 0, balanced softmax): then an
 *   empty class's probability and gradient are ≈ 0; without it (ce, cb, ldam, eql) every example's softmax pushes
 *   the class's scores down (∂L/∂f_j = p_j / B) and nothing pulls them up
 */
export function emptyClassNote(counts: ArrayLike<number>, evalLabels: ArrayLike<number>, optimizer: 'sgd' | 'adam', priorOffset: boolean): string | null {
  const empty: number[] = [];
  for (let y = 0; y < counts.length; y++) if (counts[y] === 0) empty.push(y);
  if (empty.length === 0) return null;
  const inEval = new Set<number>();
  const isEmpty = new Uint8Array(counts.length);
  for (const y of empty) isEmpty[y] = 1;
  for (let i = 0; i < evalLabels.length; i++) if (isEmpty[evalLabels[i]]) inEval.add(evalLabels[i]);
  const ids = empty.slice(0, listed).join(', ') + (empty.length > listed ? ', …' : '');
  const plural = empty.length === 1 ? 'class has' : 'classes have';
  const why = !priorOffset
    ? 'every training example pushes their scores down and none pulls them up, so they are rarely predicted'
    : optimizer === 'adam'
      ? `the prior offset leaves their gradients ≈ 0, so their scores move only through Adam's ε (${adamEpsilon}, TF.js's default; PyTorch's default 1e-8 moves them about 10× further) and their predictions and the balanced error can differ from a PyTorch run`
      : 'the prior offset leaves their gradients ≈ 0, so only weight decay moves their scores and nothing fits them to their examples';
  return `${empty.length} ${plural} no training examples (${ids}; ${inEval.size} in the eval data): ${why}`;
}
