/**
 * Start-up probe of what the active TF.js backend can compute. Running it once, on tiny tensors, is
 * much cheaper than discovering a missing kernel in the middle of a real training step: a failed
 * `trainOnBatch` on the WASM backend leaves its tape allocated (~1.6 GB measured on ResNet-32,
 * docs/backends.md, "Capability probe").
 */
import type { BackendCapabilities } from '../../protocol/engineInfo';
import type { Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs';
import type { Tf } from './tf';

/** Result of one probe: ok, or the kernel that is missing / the error. */
interface ProbeOutcome {
  readonly ok: boolean;
  readonly missingKernels: readonly string[];
  readonly error?: string;
}

const missingKernelPattern = /Kernel '([A-Za-z0-9_]+)' not registered/;

/**
 * Runs `fn` in a tidy scope, reads what it returns with `data()` and checks that every value is finite. Kernels the computation
 * needs are looked up in the kernel registry first: a gradient that fails half-way leaves its tape's
 * saved tensors allocated, so a probe only runs when every kernel it needs is registered.
 */
async function runProbe(tf: Tf, requiredKernels: readonly string[], fn: () => Tensor[]): Promise<ProbeOutcome> {
  const backendName = tf.getBackend();
  const missing = requiredKernels.filter((k) => tf.getKernel(k, backendName) === undefined);
  if (missing.length) {
    return { ok: false, missingKernels: missing };
  }
  let outs: Tensor[] = [];
  try {
    outs = tf.tidy(() => fn());
    // Read asynchronously: the webgpu backend has no synchronous readback under Node.
    const values = await Promise.all(outs.map((t) => t.data()));
    const finite = values.every((v) => v.length > 0 && Array.prototype.every.call(v, (x: number) => Number.isFinite(x)));
    return finite ? { ok: true, missingKernels: [] } : { ok: false, missingKernels: [], error: 'non-finite result' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const match = missingKernelPattern.exec(message);
    return match ? { ok: false, missingKernels: [match[1]] } : { ok: false, missingKernels: [], error: message.split('\n')[0] };
  } finally {
    tf.dispose(outs);
  }
}

/**
 * Probes forward inference and the gradient kernels fine-tuning needs on the current backend.
 * `patchedKernels` (the engine's own kernels registered on this backend, e.g. by
 * `registerWasmTrainingKernels`) is reported as given; the probe itself checks the live registry, so a
 * patched kernel counts as present and is exercised like a stock one.
 *
 * Shapes: input `[2, 6, 6, 2]`, conv filter `[3, 3, 2, 3]`, depthwise filter `[3, 3, 2, 1]`, dense `[3, 4]`.
 * - inference: conv2d → relu → mean over H, W → matMul.
 * - dense gradient: ∂/∂W Σ(x·W) (MatMul with transposes).
 * - conv gradient: ∂/∂filter and ∂/∂input of Σ conv2d(x, filter) (Conv2DBackpropFilter/Input).
 * - gather gradient: ∂/∂x Σ gather(x, idx) (UnsortedSegmentSum).
 * - depthwise gradient: ∂/∂input Σ depthwiseConv2d (DepthwiseConv2dNativeBackpropInput/Filter).
 */
export async function probeBackend(tf: Tf, patchedKernels: readonly string[]): Promise<BackendCapabilities> {
  const started = performance.now();
  const x = () => tf.linspace(-1, 1, 2 * 6 * 6 * 2).reshape([2, 6, 6, 2]) as Tensor4D;
  const filter = () => tf.linspace(-0.5, 0.5, 3 * 3 * 2 * 3).reshape([3, 3, 2, 3]) as Tensor4D;
  const dense = () => tf.linspace(-0.3, 0.3, 12).reshape([3, 4]) as Tensor2D;

  const inference = await runProbe(tf, ['Conv2D', 'Relu', 'Mean', 'BatchMatMul'], () => {
    const h = tf.relu(tf.conv2d(x(), filter(), 1, 'same')).mean([1, 2]) as Tensor2D;
    return [tf.matMul(h, dense())];
  });
  const denseGrad = await runProbe(tf, ['BatchMatMul', 'Square', 'Sum', 'Multiply'], () => {
    const h = tf.linspace(0, 1, 6).reshape([2, 3]) as Tensor2D;
    const g = tf.grads((a: Tensor, w: Tensor) =>
      tf.matMul(a as Tensor2D, w as Tensor2D).square().sum(),
    );
    return g([h, dense()]);
  });
  const convGrad = await runProbe(tf, ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput'], () => {
    const g = tf.grads((a: Tensor, f: Tensor) =>
      tf.conv2d(a as Tensor4D, f as Tensor4D, 2, 'same').square().sum(),
    );
    return g([x(), filter()]);
  });
  const gatherGrad = await runProbe(tf, ['GatherV2', 'UnsortedSegmentSum'], () => {
    const g = tf.grad((a: Tensor) => tf.gather(a, tf.tensor1d([0, 2, 2], 'int32'), 1).sum());
    return [g(dense())];
  });
  const depthwiseGrad = await runProbe(tf, ['DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'], () => {
    const df = tf.linspace(-0.5, 0.5, 3 * 3 * 2).reshape([3, 3, 2, 1]) as Tensor4D;
    const g = tf.grads((a: Tensor, f: Tensor) =>
      tf.depthwiseConv2d(a as Tensor4D, f as Tensor4D, 1, 'same').square().sum(),
    );
    return g([x(), df]);
  });

  const missing = new Set<string>();
  for (const outcome of [inference, denseGrad, convGrad, gatherGrad, depthwiseGrad]) {
    for (const kernel of outcome.missingKernels) {
      missing.add(kernel);
    }
  }
  return {
    inference: inference.ok,
    headTraining: denseGrad.ok,
    // Full fine-tuning needs conv, dense and gather gradients (a gather-based loss picks the true-class
    // logit); depthwise gradients only matter for MobileNet-style nets and are reported in missingKernels.
    training: denseGrad.ok && convGrad.ok && gatherGrad.ok,
    missingKernels: [...missing].sort(),
    patchedKernels: [...patchedKernels],
    probeMs: Math.round(performance.now() - started),
  };
}
