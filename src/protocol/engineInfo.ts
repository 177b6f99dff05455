/**
 * What the engine reports about itself: version, compute backend and why faster ones were skipped.
 * Pure data: no Node, no TF.js.
 */

/** Names of the compute backends, in the order `auto` tries them (fastest first). */
export const backendNames = ['gpu', 'webgpu', 'native', 'wasm', 'cpu'] as const;

/**
 * One compute backend: `gpu` = @tensorflow/tfjs-node-gpu (CUDA), `webgpu` = @tensorflow/tfjs-backend-webgpu on
 * Dawn (Vulkan, Metal or D3D12; `auto` takes it only on a hardware adapter), `native` = @tensorflow/tfjs-node,
 * `wasm`, `cpu` (pure JS).
 */
export type BackendName = (typeof backendNames)[number];

/** What the user may ask for: a backend, or `auto` (the fastest that loads). */
export type BackendRequest = BackendName | 'auto';

/** True when `value` is a valid {@link BackendRequest}. */
export function isBackendRequest(value: unknown): value is BackendRequest {
  return value === 'auto' || (backendNames as readonly unknown[]).includes(value);
}

/** A WebGPU adapter as Dawn describes it (GPUAdapterInfo plus what the engine derived from it). */
export interface GpuAdapterSummary {
  /** GPUAdapterInfo.vendor, e.g. `nvidia`, `google`. */
  readonly vendor: string;
  /** GPUAdapterInfo.architecture, e.g. `hopper`, `swiftshader`. */
  readonly architecture: string;
  /** GPUAdapterInfo.device, e.g. `swiftshader-device-subzero-` (often empty). */
  readonly device: string;
  /** GPUAdapterInfo.description, e.g. `NVIDIA H100 80GB HBM3`, `SwiftShader driver 5.0.0`. */
  readonly description: string;
  /** Native API Dawn drives on this platform: `Vulkan` (Linux), `Metal` (macOS), `D3D12` (Windows). */
  readonly api: string;
  /** A software or fallback adapter (SwiftShader, llvmpipe, WARP, `isFallbackAdapter`): a CPU emulating a GPU. */
  readonly software: boolean;
  /** Why it counts as software, when it does (which field matched). */
  readonly softwareReason?: string;
  /** GPUSupportedLimits.maxBufferSize, bytes. */
  readonly maxBufferSize: number;
  /** GPUSupportedLimits.maxStorageBufferBindingSize, bytes: the largest tensor one kernel can bind. */
  readonly maxStorageBufferBindingSize: number;
}

/** A short device name from an adapter: its description without a trailing `driver x.y.z`, else vendor + architecture. */
export function adapterName(adapter: GpuAdapterSummary): string {
  const description = adapter.description.replace(/\s+driver\s+[\d.]+\s*$/i, '').trim();
  if (description) return description;
  const parts = [adapter.vendor, adapter.architecture].filter((p) => p.trim() !== '');
  return parts.length ? parts.join(' ') : 'unnamed adapter';
}

/**
 * The one-line device label of a backend: `GPU · NVIDIA H100 80GB HBM3 (WebGPU, Vulkan)` on a hardware
 * adapter, `WebGPU · SwiftShader (software adapter)` on a software one (never called a GPU), `GPU · CUDA
 * (tfjs-node-gpu)`, `native CPU (tfjs-node)`, `WASM` or `CPU (JavaScript)` otherwise.
 */
export function deviceLabel(backend: { readonly name: BackendName; readonly adapter?: GpuAdapterSummary }): string {
  switch (backend.name) {
    case 'webgpu':
      if (!backend.adapter) return 'WebGPU';
      return backend.adapter.software
        ? `WebGPU · ${adapterName(backend.adapter)} (software adapter)`
        : `GPU · ${adapterName(backend.adapter)} (WebGPU, ${backend.adapter.api})`;
    case 'gpu':
      return 'GPU · CUDA (tfjs-node-gpu)';
    case 'native':
      return 'native CPU (tfjs-node)';
    case 'wasm':
      return 'WASM';
    case 'cpu':
      return 'CPU (JavaScript)';
  }
}

/** Outcome of trying one backend during start-up. */
export interface BackendAttempt {
  /** Which backend. */
  readonly name: BackendName;
  /** `chosen`: in use; `failed`: tried and could not load; `skipped`: not tried (a faster one loaded, or not requested). */
  readonly status: 'chosen' | 'failed' | 'skipped';
  /** Why it failed or was skipped, in one line. */
  readonly reason?: string;
}

/** What the chosen backend can do, found by a probe at start-up (a one-step gradient on a tiny conv net). */
export interface BackendCapabilities {
  /** A forward pass of a tiny conv net produced finite numbers. */
  readonly inference: boolean;
  /** Gradients of conv, dense and gather all computed and finite: full fine-tuning can run. */
  readonly training: boolean;
  /** Dense-layer gradients work: head fine-tuning can run. */
  readonly headTraining: boolean;
  /** Kernels that the probe found missing, e.g. `Conv2DBackpropFilter`. */
  readonly missingKernels: readonly string[];
  /** Kernels the engine registered itself to fill gaps in the backend. */
  readonly patchedKernels: readonly string[];
  /** How long the probe took, milliseconds. */
  readonly probeMs: number;
}

/** The compute backend in use. */
export interface BackendInfo {
  /** The backend in use. */
  readonly name: BackendName;
  /** What was requested (`--backend`, `longtail.backend`). */
  readonly requested: BackendRequest;
  /** The TF.js backend name as TF.js knows it (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  readonly tfjsBackend: string;
  /** Device class the maths runs on (`cpu` for a software WebGPU adapter: it emulates a GPU on the CPU). */
  readonly device: 'gpu' | 'cpu';
  /** The WebGPU adapter in use (backend `webgpu` only). */
  readonly adapter?: GpuAdapterSummary;
  /** One line naming the device, as the status bar and "Show compute backend" show it (see {@link deviceLabel}). */
  readonly label?: string;
  /** Every backend considered, in order, with the reason it was not chosen. */
  readonly attempts: readonly BackendAttempt[];
  /** Probed capabilities. */
  readonly capabilities: BackendCapabilities;
  /** Extra facts (WASM SIMD, threads implementation, ...). */
  readonly notes: readonly string[];
}

/** Answer to `engine/info` and the JSON printed by `longtail info`. */
export interface EngineInfo {
  /** Long-Tail Lens version. */
  readonly version: string;
  /** TF.js version the engine runs. */
  readonly tfjsVersion: string;
  /** Compute backend. */
  readonly backend: BackendInfo;
  /** Node.js version running the engine. */
  readonly node: string;
  /** Threads the backend computes with. */
  readonly threads: number;
  /**
   * onnxruntime's intra-op threads (ONNX model forward and the native product service) and why: the
   * `longtail.threads` / `--threads` override, else ⌊cores − 1-minute load⌋ at engine start, at least 1.
   * Absent from engines older than this field.
   */
  readonly onnxruntimeThreads?: { readonly threads: number; readonly reason: string };
  /** Logical cores of the machine. */
  readonly cpus: number;
  /** `process.platform`-`process.arch`. */
  readonly platform: string;
  /** Engine process id. */
  readonly pid: number;
}

/** Result of a throughput measurement (repeated `n×n` matrix products). */
export interface ThroughputResult {
  /** Backend measured. */
  readonly backend: BackendName;
  /** Matrix side. */
  readonly size: number;
  /** Products completed. */
  readonly iterations: number;
  /** Wall-clock seconds spent in them. */
  readonly seconds: number;
  /** 2·n³·iterations / seconds / 1e9. */
  readonly gflops: number;
}
