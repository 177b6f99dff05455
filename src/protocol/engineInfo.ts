/**
 * What the engine reports about itself: version, compute backend and why faster ones were skipped.
 * Pure data: no Node, no TF.js.
 */

/** Names of the compute backends, fastest first. */
export const backendNames = ['gpu', 'native', 'wasm', 'cpu'] as const;

/** One compute backend: `gpu` = @tensorflow/tfjs-node-gpu, `native` = @tensorflow/tfjs-node, `wasm`, `cpu` (pure JS). */
export type BackendName = (typeof backendNames)[number];

/** What the user may ask for: a backend, or `auto` (the fastest that loads). */
export type BackendRequest = BackendName | 'auto';

/** True when `value` is a valid {@link BackendRequest}. */
export function isBackendRequest(value: unknown): value is BackendRequest {
  return value === 'auto' || (backendNames as readonly unknown[]).includes(value);
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
  /** The TF.js backend name as TF.js knows it (`tensorflow`, `wasm`, `cpu`). */
  readonly tfjsBackend: string;
  /** Device class the maths runs on. */
  readonly device: 'gpu' | 'cpu';
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
