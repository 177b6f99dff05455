/**
 * Training kernels for the WASM backend that tfjs-backend-wasm 4.22 lacks, and faster replacements for
 * four that it implements slowly (docs/backends.md, "Capability probe"). Every kernel here is written in
 * terms of the backend's own XNNPACK kernels (Conv2D, DepthwiseConv2dNative, Transpose, PadV2, …),
 * called directly through their `kernelFunc`s on the backend's TensorInfos; every intermediate is
 * freed with `backend.disposeData`, so `tf.memory().numTensors` stays constant across training steps.
 * (Wrapping intermediates with `makeTensorFromTensorInfo` would register them with the engine and leak.)
 *
 * Missing in 4.22, added here:
 * - `Conv2DBackpropFilter`: dW = one Conv2D on transposed tensors (x → [Ci,H,W,N] as the input,
 *   dy → [Ho,Wo,N,Co] as the filter, dilation = the forward stride), transposed back.
 * - `DepthwiseConv2dNativeBackpropInput` / `…BackpropFilter`: the identities below on the depthwise
 *   kernel (the filter gradient folds the batch into the channels and sums it out afterwards).
 * - `UnsortedSegmentSum` (the gradient of `tf.gather`): a JS loop over the rows.
 *
 * Replaced for speed:
 * - `Conv2DBackpropInput` (a naive loop in 4.22, ~4× slower): zero-insert dy by the stride, then Conv2D
 *   with the 180°-rotated, in/out-swapped filter.
 * - `BatchMatMul` / `_FusedMatMul` with `transposeA/B` (10-30× slow in 4.22): an explicit `Transpose`
 *   plus the stock kernel.
 * - float32 `Tile`: a broadcasting `Add` with zeros.
 * - float32 comparisons (`Equal`, `Less`, …) with broadcasting: both sides broadcast by an `Add` with zeros,
 *   then the stock equal-shape kernel (stock broadcasting comparisons are 20–40× slower).
 *
 * Only channels-last (NHWC) data is handled, as in the stock wasm convolutions.
 */
import type { DataId, DataType, KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from './tf';

/** The parts of tfjs-backend-wasm's `BackendWasm` (4.22) these kernels use. */
interface WasmBackendLike {
  disposeData(dataId: DataId, force?: boolean): boolean;
  readSync(dataId: DataId): Float32Array | Int32Array | Uint8Array;
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Kernels this module adds (absent from stock tfjs-backend-wasm 4.22). */
export const addedWasmKernels = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'UnsortedSegmentSum',
] as const;

/** Stock kernels this module replaces with faster compositions. */
export const replacedWasmKernels = [
  'Conv2DBackpropInput',
  'BatchMatMul',
  '_FusedMatMul',
  'Tile',
  'Equal',
  'NotEqual',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
] as const;

/** Comparisons whose stock wasm kernels are 20–40× slower with broadcasting than on equal shapes. */
const comparisonKernels = ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual'] as const;

type Pads = [top: number, bottom: number, left: number, right: number];

/** Runs registered wasm kernels on TensorInfos and frees what it made. */
class KernelRunner {
  private readonly made: TensorInfo[] = [];

  constructor(
    private readonly tf: Tf,
    private readonly backend: WasmBackendLike,
    private readonly originals: ReadonlyMap<string, KernelConfig>,
  ) {}

  /** Runs kernel `name` (the stock one, if this module replaced it); the result is freed by {@link free}. */
  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const config = this.originals.get(name) ?? this.tf.getKernel(name, 'wasm');
    if (!config) {
      throw new Error(`wasm kernel '${name}' is not registered`);
    }
    const out = config.kernelFunc({ inputs, attrs, backend: this.backend as never }) as TensorInfo;
    this.made.push(out);
    return out;
  }

  /** Marks `info` as the kernel's output: it is not freed. */
  keep(info: TensorInfo): TensorInfo {
    const i = this.made.lastIndexOf(info);
    if (i >= 0) {
      this.made.splice(i, 1);
    }
    return info;
  }

  /** Frees every intermediate (decrements its backend refcount; shared data from Reshape survives). */
  free(): void {
    for (const info of this.made.splice(0)) {
      this.backend.disposeData(info.dataId);
    }
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /**
   * Convolution with explicit, possibly negative padding (negative = crop the input first):
   * y[n,i,j,·] = Σ x[n, i·s + k·d − top, j·s + l·d − left, ·] · f[k,l,·,·].
   */
  conv(x: TensorInfo, filter: TensorInfo, strides: [number, number], dilations: [number, number], pads: Pads, depthwise: boolean): TensorInfo {
    let input = x;
    const [top, bottom, left, right] = pads;
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      const [n, h, w, c] = x.shape;
      const begin = [0, Math.max(0, -top), Math.max(0, -left), 0];
      const size = [n, h - begin[1] - Math.max(0, -bottom), w - begin[2] - Math.max(0, -right), c];
      input = this.run('Slice', { x }, { begin, size });
    }
    const pad = [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]];
    const attrs = { strides, dilations, pad, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as NamedAttrMap;
    return this.run(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', { x: input, filter }, attrs);
  }

  /** Inserts `s − 1` zero rows/columns after each row/column of `dy` [N,Ho,Wo,C] → [N,Ho·sh,Wo·sw,C]. */
  zeroInsert(dy: TensorInfo, sh: number, sw: number): TensorInfo {
    if (sh === 1 && sw === 1) {
      return dy;
    }
    const [n, ho, wo, c] = dy.shape;
    const r = this.reshape(dy, [n, ho, 1, wo, 1, c]);
    const p = this.run('PadV2', { x: r }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
    return this.reshape(p, [n, ho * sh, wo * sw, c]);
  }
}

function pair(v: number | [number, number] | undefined): [number, number] {
  if (v === undefined) {
    return [1, 1];
  }
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function requireNhwc(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`wasm ${kernel} (long-tail kernel) supports only NHWC, got ${String(dataFormat)}`);
  }
}

type ConvAttrs = {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** Pad top/left and output size of the forward convolution these gradients belong to. */
function forwardInfo(tf: Tf, xShape: number[], filterShape: number[], a: ConvAttrs, depthwise: boolean) {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    depthwise,
  );
  return { top: info.padInfo.top, left: info.padInfo.left, outH: info.outHeight, outW: info.outWidth };
}

/**
 * ∂L/∂x of a (depthwise) convolution. With dy zero-inserted by the stride (dz, Hz = Ho·s rows) and the
 * effective filter height E = (fh−1)·d + 1: dx[h] = Σ_k dz[h + top − (E−1) + k·d] · rot180(W)[k], i.e. a
 * stride-1 convolution of dz with the rotated filter (dilation d), padded top' = E − 1 − top and
 * bottom' = H + E − 1 − Hz − top' so that it has H output rows (likewise for the width).
 */
function backpropInput(
  r: KernelRunner,
  tf: Tf,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: number[],
  a: ConvAttrs,
  depthwise: boolean,
): TensorInfo {
  const [sh, sw] = pair(a.strides);
  const [dh, dw] = depthwise ? pair(a.dilations) : [1, 1];
  const [fh, fw, ci, co] = filter.shape;
  const [n, h, w] = inputShape;
  const f = forwardInfo(tf, inputShape, filter.shape, a, depthwise);
  const dz = r.zeroInsert(dy, sh, sw);
  const effH = (fh - 1) * dh + 1;
  const effW = (fw - 1) * dw + 1;
  const top = effH - 1 - f.top;
  const left = effW - 1 - f.left;
  // Output rows = Hz + top + bottom − effH + 1 must equal H.
  const bottom = h + effH - 1 - dz.shape[1] - top;
  const right = w + effW - 1 - dz.shape[2] - left;
  const rotated = r.run('Reverse', { x: filter }, { dims: [0, 1] });
  if (!depthwise) {
    const swapped = r.transpose(rotated, [0, 1, 3, 2]); // [fh, fw, Co, Ci]
    return r.conv(dz, swapped, [1, 1], [1, 1], [top, bottom, left, right], false);
  }
  // Depthwise filter [fh, fw, C, M]: treat every output channel c·M + m as its own depthwise channel,
  // then sum the M channels that came from input channel c.
  const flat = r.reshape(rotated, [fh, fw, ci * co, 1]);
  const y = r.conv(dz, flat, [1, 1], [dh, dw], [top, bottom, left, right], true); // [N, H, W, C·M]
  if (co === 1) {
    return y;
  }
  const split = r.reshape(y, [n, h, w, ci, co]);
  return r.run('Sum', { x: split }, { axis: [4], keepDims: false });
}

/**
 * ∂L/∂W of a convolution: dW[k,l,c,o] = Σ_{n,p,q} x[n, p·sh + k − top, q·sw + l − left, c] · dy[n,p,q,o],
 * which is Conv2D(input = x as [Ci,H,W,N], filter = dy as [Ho,Wo,N,Co], stride 1, dilation (sh, sw)).
 */
function conv2DBackpropFilter(r: KernelRunner, tf: Tf, x: TensorInfo, dy: TensorInfo, filterShape: number[], a: ConvAttrs): TensorInfo {
  const [sh, sw] = pair(a.strides);
  const [fh, fw] = filterShape;
  const [, h, w] = x.shape;
  const f = forwardInfo(tf, x.shape, filterShape, a, false);
  const bottom = fh + (f.outH - 1) * sh - h - f.top;
  const right = fw + (f.outW - 1) * sw - w - f.left;
  const xt = r.transpose(x, [3, 1, 2, 0]);
  const dyt = r.transpose(dy, [1, 2, 0, 3]);
  const y = r.conv(xt, dyt, [1, 1], [sh, sw], [f.top, bottom, f.left, right], false); // [Ci, fh, fw, Co]
  return r.transpose(y, [1, 2, 0, 3]);
}

/**
 * ∂L/∂W of a depthwise convolution (filter [fh,fw,C,M], forward dilation d):
 * dW[k,l,c,m] = Σ_{n,p,q} x[n, p·sh + k·dh − top, ·, c] · dy[n,p,q,c·M+m]. Folding the batch into the
 * channels, x → [1,H,W,N·C] and dy → [Ho,Wo,N·C,M] make it one depthwise conv (stride d, dilation s);
 * its [1,fh,fw,N·C·M] output is summed over N.
 */
function depthwiseBackpropFilter(r: KernelRunner, tf: Tf, x: TensorInfo, dy: TensorInfo, filterShape: number[], a: ConvAttrs): TensorInfo {
  const [sh, sw] = pair(a.strides);
  const [dh, dw] = pair(a.dilations);
  const [fh, fw, c, m] = filterShape;
  const [n, h, w] = x.shape;
  const f = forwardInfo(tf, x.shape, filterShape, a, true);
  const bottom = (fh - 1) * dh + (f.outH - 1) * sh + 1 - h - f.top;
  const right = (fw - 1) * dw + (f.outW - 1) * sw + 1 - w - f.left;
  const xt = r.reshape(r.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]);
  const dyt = r.reshape(r.transpose(dy, [1, 2, 0, 3]), [f.outH, f.outW, n * c, m]);
  const y = r.conv(xt, dyt, [dh, dw], [sh, sw], [f.top, bottom, f.left, right], true); // [1, fh, fw, N·C·M]
  const byBatch = r.reshape(y, [fh, fw, n, c * m]);
  const summed = r.run('Sum', { x: byBatch }, { axis: [2], keepDims: false });
  return r.reshape(summed, filterShape);
}

/** out[s, …] = Σ_{i : ids[i] = s} x[i, …]; ids outside [0, numSegments) are dropped (TensorFlow semantics). */
function unsortedSegmentSum(backend: WasmBackendLike, x: TensorInfo, ids: TensorInfo, numSegments: number): TensorInfo {
  const idValues = backend.readSync(ids.dataId);
  const xValues = backend.readSync(x.dataId);
  const inner = idValues.length === 0 ? 0 : xValues.length / idValues.length;
  const outShape = [numSegments, ...x.shape.slice(ids.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  const outValues = backend.typedArrayFromHeap(out);
  outValues.fill(0);
  for (let i = 0; i < idValues.length; i++) {
    const s = idValues[i];
    if (s < 0 || s >= numSegments) {
      continue;
    }
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) {
      outValues[dst + j] += xValues[src + j];
    }
  }
  return out;
}

/** Swaps the last two axes of a rank-r tensor. */
function lastTwoSwapped(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

/**
 * Tile of float32 x by reps as a broadcast: axis i becomes (rep, 1) against (1, d) when both exceed 1, a
 * plain d when rep = 1, a plain rep when d = 1. y = reshape(x) + zeros → [r0·d0, r1·d1, …].
 * Returns undefined when the broadcast would exceed XNNPACK's 6 dimensions.
 */
function tileByBroadcast(r: KernelRunner, x: TensorInfo, reps: number[]): TensorInfo | undefined {
  const xShape: number[] = [];
  const zShape: number[] = [];
  x.shape.forEach((d, i) => {
    const rep = reps[i];
    if (rep === 1) {
      xShape.push(d);
      zShape.push(1);
    } else if (d === 1) {
      xShape.push(1);
      zShape.push(rep);
    } else {
      xShape.push(1, d);
      zShape.push(rep, 1);
    }
  });
  if (xShape.length > 6) {
    return undefined;
  }
  const zeros = r.run('Fill', {}, { shape: zShape, value: 0, dtype: 'float32' });
  const sum = r.run('Add', { a: r.reshape(x, xShape), b: zeros });
  return r.reshape(sum, x.shape.map((d, i) => d * reps[i]));
}

/** A kernel input that must be present. */
function req(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const info = inputs[name];
  if (!info) {
    throw new Error(`missing kernel input '${name}'`);
  }
  return info;
}

/** Runs `body` with a fresh runner; intermediates are freed, the returned TensorInfo is kept. */
function withRunner(tf: Tf, backend: unknown, originals: ReadonlyMap<string, KernelConfig>, body: (r: KernelRunner) => TensorInfo): TensorInfo {
  const runner = new KernelRunner(tf, backend as WasmBackendLike, originals);
  try {
    return runner.keep(body(runner));
  } finally {
    runner.free();
  }
}

function makeConfigs(tf: Tf, originals: Map<string, KernelConfig>): KernelConfig[] {
  const conv = (attrs: NamedAttrMap) => attrs as unknown as ConvAttrs;
  const original = (name: string): KernelConfig => {
    const config = originals.get(name);
    if (!config) {
      throw new Error(`stock wasm kernel '${name}' not found`);
    }
    return config;
  };
  const setup = (name: string) => originals.get(name)?.setupFunc;
  const configs: KernelConfig[] = [
    {
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        requireNhwc('Conv2DBackpropFilter', attrs?.dataFormat);
        const filterShape = (attrs as unknown as { filterShape: number[] }).filterShape;
        return withRunner(tf, backend, originals, (r) => conv2DBackpropFilter(r, tf, req(inputs, 'x'), req(inputs, 'dy'), filterShape, conv(attrs ?? {})));
      },
    },
    {
      kernelName: 'Conv2DBackpropInput',
      backendName: 'wasm',
      setupFunc: setup('Conv2DBackpropInput'),
      kernelFunc: ({ inputs, attrs, backend }) => {
        requireNhwc('Conv2DBackpropInput', attrs?.dataFormat);
        const inputShape = (attrs as unknown as { inputShape: number[] }).inputShape;
        return withRunner(tf, backend, originals, (r) => backpropInput(r, tf, req(inputs, 'dy'), req(inputs, 'filter'), inputShape, conv(attrs ?? {}), false));
      },
    },
    {
      kernelName: 'DepthwiseConv2dNativeBackpropInput',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const inputShape = (attrs as unknown as { inputShape: number[] }).inputShape;
        return withRunner(tf, backend, originals, (r) => backpropInput(r, tf, req(inputs, 'dy'), req(inputs, 'filter'), inputShape, conv(attrs ?? {}), true));
      },
    },
    {
      kernelName: 'DepthwiseConv2dNativeBackpropFilter',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const filterShape = (attrs as unknown as { filterShape: number[] }).filterShape;
        return withRunner(tf, backend, originals, (r) => depthwiseBackpropFilter(r, tf, req(inputs, 'x'), req(inputs, 'dy'), filterShape, conv(attrs ?? {})));
      },
    },
    {
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) =>
        unsortedSegmentSum(backend as unknown as WasmBackendLike, req(inputs, 'x'), req(inputs, 'segmentIds'), Number(attrs?.numSegments)),
    },
    {
      kernelName: 'BatchMatMul',
      backendName: 'wasm',
      setupFunc: setup('BatchMatMul'),
      kernelFunc: (args) => {
        const { inputs, attrs, backend } = args;
        if (!attrs?.transposeA && !attrs?.transposeB) {
          return original('BatchMatMul').kernelFunc(args);
        }
        return withRunner(tf, backend, originals, (r) => {
          const a = attrs.transposeA ? r.transpose(req(inputs, 'a'), lastTwoSwapped(req(inputs, 'a').shape.length)) : req(inputs, 'a');
          const b = attrs.transposeB ? r.transpose(req(inputs, 'b'), lastTwoSwapped(req(inputs, 'b').shape.length)) : req(inputs, 'b');
          return r.run('BatchMatMul', { a, b }, { ...attrs, transposeA: false, transposeB: false });
        });
      },
    },
    {
      kernelName: '_FusedMatMul',
      backendName: 'wasm',
      setupFunc: setup('_FusedMatMul'),
      kernelFunc: (args) => {
        const { inputs, attrs, backend } = args;
        if (!attrs?.transposeA && !attrs?.transposeB) {
          return original('_FusedMatMul').kernelFunc(args);
        }
        return withRunner(tf, backend, originals, (r) => {
          const a = attrs.transposeA ? r.transpose(req(inputs, 'a'), lastTwoSwapped(req(inputs, 'a').shape.length)) : req(inputs, 'a');
          const b = attrs.transposeB ? r.transpose(req(inputs, 'b'), lastTwoSwapped(req(inputs, 'b').shape.length)) : req(inputs, 'b');
          return r.run('_FusedMatMul', { ...inputs, a, b }, { ...attrs, transposeA: false, transposeB: false });
        });
      },
    },
    {
      kernelName: 'Tile',
      backendName: 'wasm',
      setupFunc: setup('Tile'),
      kernelFunc: (args) => {
        const { inputs, attrs, backend } = args;
        const reps = (attrs as unknown as { reps: number[] }).reps;
        if (req(inputs, 'x').dtype !== 'float32' || reps.length !== req(inputs, 'x').shape.length) {
          return original('Tile').kernelFunc(args);
        }
        const runner = new KernelRunner(tf, backend as unknown as WasmBackendLike, originals);
        try {
          const out = tileByBroadcast(runner, req(inputs, 'x'), reps);
          return out ? runner.keep(out) : original('Tile').kernelFunc(args);
        } finally {
          runner.free();
        }
      },
    },
    // float32 comparisons with broadcasting (e.g. the gradient of max in logSumExp compares [B, C] with
    // [B, 1]): broadcast both sides with a zero Add (fast, multithreaded) and compare equal shapes.
    ...comparisonKernels.map(
      (name): KernelConfig => ({
        kernelName: name,
        backendName: 'wasm',
        setupFunc: setup(name),
        kernelFunc: (args) => {
          const a = req(args.inputs, 'a');
          const b = req(args.inputs, 'b');
          const sameShape = (s: readonly number[], t: readonly number[]): boolean => s.length === t.length && s.every((d, i) => d === t[i]);
          if (sameShape(a.shape, b.shape) || a.dtype !== 'float32' || b.dtype !== 'float32') {
            return original(name).kernelFunc(args);
          }
          const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
          return withRunner(tf, args.backend, originals, (r) => {
            const zeros = r.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
            const full = (x: TensorInfo): TensorInfo => (sameShape(x.shape, shape) ? x : r.run('Add', { a: x, b: zeros }));
            return r.run(name, { a: full(a), b: full(b) });
          });
        },
      }),
    ),
  ];
  return configs;
}

/**
 * Registers the kernels above for backend 'wasm' (idempotent) and returns the names it registered.
 * Call it after `@tensorflow/tfjs-backend-wasm` has been imported (its kernels must be registered),
 * before or after `tf.setBackend('wasm')`: replaced kernels keep the stock `setupFunc`, so a backend
 * initialised later still sets them up.
 *
 * Pinned to tfjs-backend-wasm 4.22.0: the kernel names, attrs and BackendWasm methods used here are
 * that version's. A later version that registers one of the missing kernels itself is left alone.
 */
export function registerWasmTrainingKernels(tf: Tf): string[] {
  const state = registered.get(tf);
  if (state) {
    return [...state];
  }
  const originals = new Map<string, KernelConfig>();
  for (const name of replacedWasmKernels) {
    const config = tf.getKernel(name, 'wasm');
    if (config) {
      originals.set(name, config);
    }
  }
  const names: string[] = [];
  for (const config of makeConfigs(tf, originals)) {
    const isReplacement = (replacedWasmKernels as readonly string[]).includes(config.kernelName);
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (isReplacement) {
      if (!existing) {
        continue;
      }
      tf.unregisterKernel(config.kernelName, 'wasm');
    } else if (existing) {
      continue; // a newer tfjs-backend-wasm has its own
    }
    tf.registerKernel(config);
    names.push(config.kernelName);
  }
  registered.set(tf, names);
  return [...names];
}

const registered = new WeakMap<object, string[]>();
