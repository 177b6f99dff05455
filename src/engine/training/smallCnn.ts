/**
 * The small CNN the demo trains on Fashion-MNIST-LT: two conv blocks, a
 * 64-unit embedding layer and a linear classifier. Deterministic for a given seed (every initializer
 * is seeded). ~106k parameters at 28×28 (mostly the 1568→64 dense layer); forward ≈ 2.2 MFLOP per image (the second conv runs at 14×14).
 */
import type { LayersModel } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';

/** Options of {@link buildSmallCnn}. */
export interface SmallCnnOptions {
  /** Input `[H, W, channels]`, e.g. `[28, 28, 1]`. */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** Embedding width (the input of the final Dense layer). */
  readonly embeddingDim?: number;
  readonly seed: number;
}

/**
 * conv3×3(16)+ReLU → maxpool2 → conv3×3(32)+ReLU → maxpool2 → flatten → dense(embeddingDim)+ReLU → dense(C).
 * The final Dense layer has no activation: its outputs are logits (kernel `[D, C]`, bias `[C]`).
 */
export function buildSmallCnn(options: SmallCnnOptions): LayersModel {
  const d = options.embeddingDim ?? 64;
  // TF.js initializers treat a seed of 0 as "no seed" (Math.random), so derive non-zero seeds: layer k
  // of seed s gets 1000·s + k + 1 (a negative s would also give distinct non-zero seeds).
  let k = 0;
  const nextSeed = (): number => 1000 * options.seed + ++k;
  const init = () => tf.initializers.heNormal({ seed: nextSeed() });
  const model = tf.sequential({ name: 'small_cnn' });
  model.add(tf.layers.conv2d({ inputShape: [...options.inputShape], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(), name: 'conv1' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(), name: 'conv2' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ units: d, activation: 'relu', kernelInitializer: init(), name: 'embedding' }));
  model.add(tf.layers.dense({ units: options.numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }), name: 'classifier' }));
  return model;
}
