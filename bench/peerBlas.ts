/**
 * The PyTorch peers' BLAS (bench/headTraining.bench.ts, bench/forward.bench.ts): Debian's python3-torch links the
 * generic libblas.so.3, which is the ~30× slower reference BLAS unless an optimised one is installed
 * (libopenblas0-pthread). The peers run with OpenBLAS's directory first on LD_LIBRARY_PATH, and every bench prints
 * which BLAS the peer actually loaded and warns when it is not an optimised one (docs/performance.md §2's
 * correction: a whole day of ratios was taken against the reference BLAS).
 */
import { spawnSync } from 'node:child_process';

/** Debian's python3 (python3-torch is installed for it). */
export const peerPython = '/usr/bin/python3';

/** The peers' environment: OpenBLAS's libblas.so.3 ahead of the reference one. */
export const peerEnv: NodeJS.ProcessEnv = { ...process.env, LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-pthread' };

/** Prints the BLAS libraries the peer loads with torch imported, with a warning when none is optimised. */
export function reportPeerBlas(): void {
  const code = "import torch\nprint(' '.join(sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower()})))";
  const r = spawnSync(peerPython, ['-c', code], { env: peerEnv, encoding: 'utf8' });
  const libs = r.status === 0 ? r.stdout.trim() : '';
  console.log(`PyTorch peer BLAS: ${libs || '(not found)'}`);
  if (!/openblas|mkl|blis/i.test(libs)) {
    console.log('WARNING: the PyTorch peer is not on an optimised BLAS: its times and these ratios are not a fair peer (Debian: apt-get install libopenblas0-pthread)');
  }
}
