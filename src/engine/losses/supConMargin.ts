/**
 * The embedding term of `elm`: single-view supervised contrastive loss (Khosla et al. 2020) with a
 * class-dependent margin on same-class pairs, as specified in methods §1.3 [R].
 *
 * z_i = φ_i / max(‖φ_i‖, 1e-12),  s_ia = z_iᵀ z_a,
 * u_ia = (s_ia − δ_{y_i}·[y_a = y_i]) / T   (a ≠ i),
 * ℓ_i = −(1/|P(i)|) Σ_{p∈P(i)} (u_ip − logsumexp_{a≠i} u_ia),  P(i) = {a ≠ i : y_a = y_i},
 * L = mean of ℓ_i over anchors with |P(i)| > 0 (0 when there are none; anchors without positives are
 * excluded from the mean rather than counted as 0).
 * Same-class masks are one-hot products Y·Yᵀ (no gather); the diagonal is removed from numerator and
 * denominator by lowering it by 10⁹ before a max-subtracted logsumexp.
 * Shapes: embeddings [B, D], oneHot [B, C], margins [C] → scalar.
 * Citation: methods §1.3, test vectors §13.7 (δ = 0 reproduces SupCon, 0.4301902771; δ = [0.1, 0.3] gives 0.5865280464).
 */
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';

/**
 * Class margins δ_y = δ_max · (n_min / n_y)^q (n_min over classes with n > 0; classes with n_y = 0 get δ_max).
 * Shapes: counts [C] → [C]. Citation: methods §1.3.
 */
export function embeddingMargins(counts: readonly number[], deltaMax: number, q: number): number[] {
  const present = counts.filter((n) => n > 0);
  const nMin = present.length ? Math.min(...present) : 1;
  return counts.map((n) => (n > 0 ? deltaMax * Math.pow(nMin / n, q) : deltaMax));
}

/**
 * x / max(‖x‖₂, 1e-12) along `axis`, computed as x · rsqrt(max(Σx², 1e-24)) so that an all-zero row (e.g. after
 * a ReLU) has a finite (zero) gradient instead of the NaN that differentiating ‖x‖ at 0 gives.
 */
export function l2Normalize<T extends Tensor>(x: T, axis: number): T {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), axis, true), 1e-24))) as T;
}

/** Margin SupCon loss (see the module comment). Shapes: embeddings [B, D], oneHot [B, C], margins [C] → scalar. */
export function supConMarginLoss(embeddings: Tensor2D, oneHot: Tensor2D, margins: Tensor1D, temperature: number): Scalar {
  const b = embeddings.shape[0];
  const z = l2Normalize(embeddings, 1);
  const sim = tf.matMul(z, z, false, true);
  const eye = tf.eye(b);
  const notSelf = tf.sub(1, eye);
  const positives = tf.mul(tf.matMul(oneHot, oneHot, false, true), notSelf);
  const rowMargin = tf.sum(tf.mul(oneHot, margins), 1, true);
  const u = tf.div(tf.sub(sim, tf.mul(positives, rowMargin)), temperature);
  const lse = tf.logSumExp(tf.sub(u, tf.mul(eye, 1e9)), 1);
  const count = tf.sum(positives, 1);
  const valid = tf.cast(tf.greater(count, 0), 'float32');
  const positiveMean = tf.div(tf.sum(tf.mul(positives, u), 1), tf.maximum(count, 1));
  const perAnchor = tf.mul(tf.sub(lse, positiveMean), valid);
  return tf.div(tf.sum(perAnchor), tf.maximum(tf.sum(valid), 1)) as Scalar;
}
