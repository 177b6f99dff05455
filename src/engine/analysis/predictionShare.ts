/**
 * Fraction of predictions per class, share_y = |{i: ŷ_i = y}| / N, against the uniform share 1/C
 * (a balanced classifier on a balanced eval set predicts each class ≈ 1/C of the time).
 * Shapes: predictedCount [C] → perClass [C]. Citation: methods §9 (prediction histogram vs 1/C; WB Fig. 6).
 */
export function predictionShare(predictedCount: Int32Array, n: number): { perClass: number[]; uniform: number } {
  const perClass = new Array<number>(predictedCount.length);
  for (let y = 0; y < predictedCount.length; y++) {
    perClass[y] = predictedCount[y] / n;
  }
  return { perClass, uniform: 1 / predictedCount.length };
}
