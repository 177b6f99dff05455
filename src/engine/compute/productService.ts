/**
 * The engine's one service for large float32 matrix products on the CPU: C = A·Bᵀ and C = Aᵀ·B, for head
 * training (forward logits X·Wᵀ, weight gradient Gᵀ·X) and the diagnostics' products (logits from a head,
 * τ-normalisation scores, the centroid Gram matrix, PCA).
 *
 * Kernels. onnxruntime-node's native MLAS Gemm (AVX2/AVX-512 FMA, its own thread pool) through two tiny
 * one-node ONNX models built by compute/gemmGraph.ts, one session per family (`abt`, `atb`), created on
 * first use and kept; every dimension is symbolic, so one session serves every shape of its family.
 * Sessions are driven through onnxruntime-node's synchronous binding (`onnxruntime-node/dist/binding`, the
 * object its public `InferenceSession` wraps, which only adds a `setImmediate` hop per call), so the
 * synchronous diagnostics can use it too. Inputs are wrapped, not copied (an `ort.Tensor` over a
 * `Float32Array` view); the output is written straight into the caller's `out` (or a new array) by passing
 * it as a preallocated fetch (the binding's own copy of it, returned as the result, is only read when onnxruntime
 * did not write the fetch). When onnxruntime cannot load, the same products run on the active TF.js
 * backend (`kind: 'tfjs'`; XNNPACK on WASM, libtensorflow when native).
 *
 * Where it is used is the caller's choice: with a GPU TF.js backend (webgpu, cuda) active, head training and
 * the diagnostics keep their GPU kernels (see pipeline/analyseCheckpoint.ts).
 *
 * Threads: onnxruntime's intra-op thread count comes from compute/threadChoice.ts (the `longtail.threads` /
 * `--threads` override, else the cores not in use). One service per thread count per process.
 */
import { createRequire } from 'node:module';
import type { Tensor as OrtTensor, TensorConstructor } from 'onnxruntime-node';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { gemmModel, type GemmFamily } from './gemmGraph';
import { chooseThreads, type ThreadChoice } from './threadChoice';
import type { Tf } from './tf';

export interface ProductService {
  /** Which kernels serve the products. */
  readonly kind: 'onnxruntime' | 'tfjs';
  /** Intra-op threads in use (onnxruntime) or the wasm pool size. */
  readonly threads: number;
  /** C = A·Bᵀ. A: m×k, B: n×k, row-major float32; returns m×n (written into `out` when given). */
  multiplyABt(a: Float32Array, b: Float32Array, m: number, k: number, n: number, out?: Float32Array): Promise<Float32Array>;
  /** C = Aᵀ·B. A: k×m, B: k×n, row-major float32; returns m×n (written into `out` when given). */
  multiplyAtB(a: Float32Array, b: Float32Array, k: number, m: number, n: number, out?: Float32Array): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * The same products, synchronous: for the diagnostics (analysis/*.ts are synchronous code). Both kinds of
 * service provide them (onnxruntime's binding runs synchronously; TF.js on the CPU/WASM reads back with
 * dataSync). Same shapes and contract as {@link ProductService}.
 */
export interface SyncProductService extends ProductService {
  /** Why this many threads (from compute/threadChoice.ts), or why the TF.js fallback. */
  readonly reason: string;
  multiplyABtSync(a: Float32Array, b: Float32Array, m: number, k: number, n: number, out?: Float32Array): Float32Array;
  multiplyAtBSync(a: Float32Array, b: Float32Array, k: number, m: number, n: number, out?: Float32Array): Float32Array;
}

/** The parts of onnxruntime-node's synchronous binding session used here (dist/binding.d.ts). */
interface BindingSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: Record<string, unknown>): void;
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor | null>, options: Record<string, unknown>): Record<string, OrtTensor>;
  dispose(): void;
}

/** What the onnxruntime kind needs: a session factory and the Tensor class. Tests may inject a failing loader. */
export interface OrtKernels {
  newSession(): BindingSession;
  readonly Tensor: TensorConstructor;
}

/** Loads onnxruntime-node's binding (throws when the native library cannot load). */
export function loadOrtKernels(): OrtKernels {
  const req = createRequire(__filename);
  const ort = req('onnxruntime-node') as { Tensor: TensorConstructor };
  const b = req('onnxruntime-node/dist/binding') as { binding: { InferenceSession: new () => BindingSession }; initOrt(): void };
  b.initOrt();
  return { newSession: () => new b.binding.InferenceSession(), Tensor: ort.Tensor };
}

function checkShape(what: string, a: Float32Array, b: Float32Array, aLen: number, bLen: number, outLen: number, out: Float32Array | undefined, dims: number[]): void {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new LongtailError(ErrorCode.ShapeMismatch, `${what}: dimensions must be non-negative integers, got [${dims.join(', ')}]`);
  }
  if (a.length < aLen) throw new LongtailError(ErrorCode.ShapeMismatch, `${what}: A holds ${a.length} values, the shape needs ${aLen}`);
  if (b.length < bLen) throw new LongtailError(ErrorCode.ShapeMismatch, `${what}: B holds ${b.length} values, the shape needs ${bLen}`);
  if (out && out.length < outLen) throw new LongtailError(ErrorCode.ShapeMismatch, `${what}: the output buffer holds ${out.length} values, the product has ${outLen}`);
}

type Product = (a: Float32Array, b: Float32Array, d0: number, d1: number, n: number, out?: Float32Array) => Float32Array;
/** A kernel writing the (non-empty) product into `c`. */
type Kernel = (a: Float32Array, b: Float32Array, d0: number, d1: number, n: number, c: Float32Array) => void;

/** Wraps the two synchronous products into a service (shape checks, empty shapes, async forms). */
function makeService(kind: 'onnxruntime' | 'tfjs', threads: number, reason: string, abt: Kernel, atb: Kernel, close: () => void): SyncProductService {
  const multiplyABtSync: Product = (a, b, m, k, n, out) => {
    checkShape('A·Bᵀ', a, b, m * k, n * k, m * n, out, [m, k, n]);
    const c = out ? out.subarray(0, m * n) : new Float32Array(m * n);
    if (m === 0 || n === 0) return c;
    if (k === 0) return c.fill(0);
    abt(a.subarray(0, m * k), b.subarray(0, n * k), m, k, n, c);
    return c;
  };
  const multiplyAtBSync: Product = (a, b, k, m, n, out) => {
    checkShape('Aᵀ·B', a, b, k * m, k * n, m * n, out, [k, m, n]);
    const c = out ? out.subarray(0, m * n) : new Float32Array(m * n);
    if (m === 0 || n === 0) return c;
    if (k === 0) return c.fill(0);
    atb(a.subarray(0, k * m), b.subarray(0, k * n), k, m, n, c);
    return c;
  };
  return {
    kind,
    threads,
    reason,
    multiplyABtSync,
    multiplyAtBSync,
    multiplyABt: async (a, b, m, k, n, out) => multiplyABtSync(a, b, m, k, n, out),
    multiplyAtB: async (a, b, k, m, n, out) => multiplyAtBSync(a, b, k, m, n, out),
    dispose: async () => close(),
  };
}

/** The onnxruntime kind: one Gemm session per family, created on first use. */
function ortService(kernels: OrtKernels, choice: ThreadChoice): SyncProductService {
  const sessions = new Map<GemmFamily, BindingSession>();
  const sessionFor = (family: GemmFamily): BindingSession => {
    let s = sessions.get(family);
    if (!s) {
      const bytes = gemmModel(family);
      s = kernels.newSession();
      s.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
        executionProviders: ['cpu'],
        intraOpNumThreads: choice.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
        // As for model sessions (model/onnxClassifier.ts): waiting workers sleep instead of spinning, which on a
        // shared machine would take the CPU from everything else.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
      sessions.set(family, s);
    }
    return s;
  };
  const T = kernels.Tensor;
  const run = (family: GemmFamily, a: Float32Array, aDims: number[], b: Float32Array, bDims: number[], c: Float32Array, m: number, n: number): void => {
    // onnxruntime writes the product into the preallocated fetch `c`; the binding then returns a copy of it in a
    // new buffer (onnxruntime-node 1.30), which is not copied back. A NaN sentinel in c[0] tells whether `c` was
    // written: if a build ever left it alone, the returned values are copied (also right when c[0] is truly NaN).
    c[0] = Number.NaN;
    const out = sessionFor(family).run({ A: new T('float32', a, aDims), B: new T('float32', b, bDims) }, { Y: new T('float32', c, [m, n]) }, {});
    const y = out.Y?.data;
    if (Number.isNaN(c[0]) && y instanceof Float32Array && y !== c) c.set(y.subarray(0, m * n));
  };
  return makeService(
    'onnxruntime',
    choice.threads,
    choice.reason,
    (a, b, m, k, n, c) => run('abt', a, [m, k], b, [n, k], c, m, n),
    (a, b, k, m, n, c) => run('atb', a, [k, m], b, [k, n], c, m, n),
    () => {
      for (const s of sessions.values()) s.dispose();
      sessions.clear();
    },
  );
}

/** The TF.js kind (the active backend's matMul; readback with dataSync). */
function tfService(tf: Tf, threads: number, reason: string): SyncProductService {
  const product = (a: Float32Array, aShape: [number, number], b: Float32Array, bShape: [number, number], transA: boolean, transB: boolean, c: Float32Array): void => {
    const y = tf.tidy(() => tf.matMul(tf.tensor2d(a, aShape, 'float32'), tf.tensor2d(b, bShape, 'float32'), transA, transB));
    c.set(y.dataSync());
    y.dispose();
  };
  return makeService(
    'tfjs',
    threads,
    reason,
    (a, b, m, k, n, c) => product(a, [m, k], b, [n, k], false, true, c),
    (a, b, k, m, n, c) => product(a, [k, m], b, [k, n], true, false, c),
    () => undefined,
  );
}

/** Options of {@link createProductService} (tests inject the loader and the thread choice's machine). */
export interface ProductServiceOptions {
  /** Intra-op threads; 0 or absent: chosen by compute/threadChoice.ts. */
  readonly threads?: number;
  /** Loads onnxruntime (default {@link loadOrtKernels}); throwing selects the TF.js fallback. */
  readonly loadOrt?: () => OrtKernels;
}

/** The wasm backend's pool size, or 1 for another TF.js CPU backend. */
async function tfThreads(tf: Tf): Promise<number> {
  if (tf.getBackend() !== 'wasm') return 1;
  try {
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as { getThreadsCount?: () => number };
    return wasm.getThreadsCount?.() ?? 1;
  } catch {
    return 1;
  }
}

/**
 * A new, unshared service (tests; most code wants {@link productService}). onnxruntime when its binding
 * loads and a 1×1×1 product through it is right, else TF.js (`reason` says why).
 */
export async function createProductService(options: ProductServiceOptions = {}): Promise<SyncProductService> {
  const choice = chooseThreads(options.threads);
  let failure: string;
  try {
    const service = ortService((options.loadOrt ?? loadOrtKernels)(), choice);
    const probe = service.multiplyABtSync(Float32Array.of(3), Float32Array.of(2), 1, 1, 1);
    if (probe[0] === 6) return service;
    await service.dispose();
    failure = `a 1×1 product through onnxruntime gave ${probe[0]}, not 6`;
  } catch (error) {
    failure = error instanceof Error ? error.message.split('\n')[0] : String(error);
  }
  const { tf } = await import('./tf');
  await tf.ready();
  return tfService(tf, await tfThreads(tf), `onnxruntime unavailable (${failure}); TF.js ${tf.getBackend()} kernels`);
}

const shared = new Map<number, Promise<SyncProductService>>();

/**
 * The process's service for `options.threads` (0/absent: the chosen count), created on first call and
 * shared by every later caller asking for the same thread count.
 */
export async function productService(options?: { threads?: number }): Promise<SyncProductService> {
  const key = options?.threads && options.threads > 0 ? Math.floor(options.threads) : 0;
  let s = shared.get(key);
  if (!s) {
    s = createProductService({ threads: key });
    shared.set(key, s);
    s.catch(() => shared.delete(key));
  }
  return s;
}
