/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (converges to machine
 * precision; O(k³) per sweep, for k ≲ 50). Shapes: a [k, k] row-major (not modified) → values [k]
 * descending, vectors [k, k] row-major with column t the unit eigenvector of values[t].
 * Citation: Golub & Van Loan, Matrix Computations, §8.5 (cyclic Jacobi).
 */
export function symmetricEigen(a: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    v[i * k + i] = 1;
  }
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < k; p++) {
      diag += m[p * k + p] * m[p * k + p];
      for (let q = p + 1; q < k; q++) {
        off += m[p * k + q] * m[p * k + q];
      }
    }
    if (off <= 1e-30 * diag || off === 0) {
      break;
    }
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = m[p * k + q];
        if (apq === 0) {
          continue;
        }
        const theta = (m[q * k + q] - m[p * k + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let r = 0; r < k; r++) {
          const arp = m[r * k + p];
          const arq = m[r * k + q];
          m[r * k + p] = cs * arp - sn * arq;
          m[r * k + q] = sn * arp + cs * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = m[p * k + r];
          const aqr = m[q * k + r];
          m[p * k + r] = cs * apr - sn * aqr;
          m[q * k + r] = sn * apr + cs * aqr;
        }
        for (let r = 0; r < k; r++) {
          const vrp = v[r * k + p];
          const vrq = v[r * k + q];
          v[r * k + p] = cs * vrp - sn * vrq;
          v[r * k + q] = sn * vrp + cs * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((x, y) => m[y * k + y] - m[x * k + x] || x - y);
  const values = new Float64Array(k);
  const vectors = new Float64Array(k * k);
  order.forEach((src, dst) => {
    values[dst] = m[src * k + src];
    for (let r = 0; r < k; r++) {
      vectors[r * k + dst] = v[r * k + src];
    }
  });
  return { values, vectors };
}
