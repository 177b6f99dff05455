/**
 * Chooses and initialises the TF.js backend: `@tensorflow/tfjs-node-gpu` (CUDA), WebGPU on a hardware
 * adapter (webgpuBackend.ts), `@tensorflow/tfjs-node`, `@tensorflow/tfjs-backend-wasm`, then the pure-JS
 * `cpu` backend, recording why each faster one was not used. `auto` never takes a software WebGPU adapter
 * (SwiftShader, llvmpipe); `webgpu` requested explicitly does, and says so. The native packages are optional dependencies whose install script downloads libtensorflow;
 * where that failed they are absent (`MODULE_NOT_FOUND`) or present without their addon (a plain
 * `Error`). Both are caught here. They are loaded with a dynamic `require` that the bundler leaves alone.
 * On wasm it first tries the threaded-SIMD build (wasmThreads.ts; optional, falls back with a note) and
 * then registers the engine's training kernels (wasmKernels.ts), returned as `patchedKernels`.
 */
import { createRequire } from 'node:module';
import * as os from 'node:os';
import type { BackendAttempt, BackendName, BackendRequest, GpuAdapterSummary } from '../../protocol/engineInfo';
import { backendNames, deviceLabel } from '../../protocol/engineInfo';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { Tf } from './tf';
import { setOnnxPrefersWebgpu } from './onnxProviders';
import { recordBackendDevice } from './runDevice';
import { registerWasmTrainingKernels } from './wasmKernels';
import { initThreadedWasm, isWasmInitialised, type WasmModuleLike } from './wasmThreads';
import { tryWebgpu, type WebgpuPackage } from './webgpuBackend';

/** Options for {@link loadBackend}. */
export interface LoadBackendOptions {
  /** What the user asked for. */
  readonly requested: BackendRequest;
  /** Threads for the WASM backend; 0 = one per logical core. */
  readonly threads: number;
  /** Module loader; tests replace it to simulate installed or broken native packages. */
  readonly requireModule?: (id: string) => unknown;
  /** Parent folder for the WASM threads shim's temp files (default `$LONGTAIL_WASM_TMPDIR` or the OS temp). */
  readonly wasmTempRoot?: string;
  /** Loader of the `webgpu` package; tests replace it to simulate adapters. */
  readonly importWebgpu?: () => Promise<WebgpuPackage>;
}

/** The backend that was initialised. */
export interface LoadedBackend {
  readonly name: BackendName;
  readonly tfjsBackend: string;
  readonly device: 'gpu' | 'cpu';
  readonly attempts: BackendAttempt[];
  readonly threads: number;
  readonly notes: string[];
  /** Kernels the engine registered or replaced on this backend (wasm: see wasmKernels.ts). */
  readonly patchedKernels: string[];
  /** The WebGPU adapter (backend `webgpu` only). */
  readonly adapter?: GpuAdapterSummary;
}

const nativePackages: Record<'gpu' | 'native', string> = {
  gpu: '@tensorflow/tfjs-node-gpu',
  native: '@tensorflow/tfjs-node',
};

/** First line of an error, without the `Require stack:` tail Node appends. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].trim();
}

/** Explains a failed native `require` in terms a user can act on. */
function explainNativeFailure(pkg: string, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'MODULE_NOT_FOUND' && firstLine(error).includes(`'${pkg}'`)) {
    return `${pkg} is not installed (an optional dependency; its install script downloads libtensorflow, which failed or was skipped)`;
  }
  return `${pkg} failed to load: ${firstLine(error)}`;
}

async function tryNative(
  tf: Tf,
  which: 'gpu' | 'native',
  requireModule: (id: string) => unknown,
): Promise<{ ok: true; notes: string[] } | { ok: false; reason: string }> {
  const pkg = nativePackages[which];
  try {
    requireModule(pkg);
  } catch (error) {
    return { ok: false, reason: explainNativeFailure(pkg, error) };
  }
  if (!tf.findBackend('tensorflow')) {
    return { ok: false, reason: `${pkg} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs (version mismatch?)` };
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) {
      return { ok: false, reason: `${pkg}: the 'tensorflow' backend failed to initialise` };
    }
  } catch (error) {
    return { ok: false, reason: `${pkg}: ${firstLine(error)}` };
  }
  return { ok: true, notes: [`${pkg} loaded (libtensorflow)`] };
}

/** What the first wasm initialisation in this process decided (the backend initialises once). */
let wasmState: { threads: number; notes: string[] } | undefined;

async function tryWasm(
  tf: Tf,
  threads: number,
  tempRoot: string | undefined,
): Promise<{ ok: true; threads: number; notes: string[]; patchedKernels: string[] } | { ok: false; reason: string }> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm failed to load: ${firstLine(error)}` };
  }
  const notes: string[] = [];
  const wanted = threads > 0 ? threads : os.cpus().length;
  if (!wasmState && isWasmInitialised(tf)) {
    notes.push('wasm backend was initialised before the engine could configure its threads');
  } else if (!wasmState) {
    if (wanted > 1) {
      // Optional: the threaded-SIMD build under Node (wasmThreads.ts). Any failure leaves the backend
      // uninitialised and the single-threaded build below is used instead.
      const threaded = await initThreadedWasm(tf, wasm as WasmModuleLike, { threads: wanted, tempRoot });
      if (threaded.ok) {
        notes.push(`wasm threads: ${threaded.threads} (threaded-SIMD build enabled under Node by the engine; tfjs#3830)`);
      } else {
        notes.push(
          `wasm runs single-threaded: the threaded build could not start under Node (${threaded.reason}); tfjs-backend-wasm ${wasm.version_wasm} disables it there (tfjs#3830)`,
        );
        wasm.setThreadsCount(1);
      }
    } else {
      notes.push('wasm runs single-threaded: 1 thread requested or 1 logical core');
      wasm.setThreadsCount(1);
    }
  }
  try {
    if (!(await tf.setBackend('wasm'))) {
      return { ok: false, reason: 'the wasm backend failed to initialise' };
    }
  } catch (error) {
    return { ok: false, reason: `wasm: ${firstLine(error)}` };
  }
  if (!wasmState) {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    wasmState = { threads: wasm.getThreadsCount(), notes: [`wasm SIMD ${simd ? 'on' : 'off'}`, ...notes] };
  }
  let patchedKernels: string[] = [];
  const stateNotes = [...wasmState.notes];
  try {
    patchedKernels = registerWasmTrainingKernels(tf);
  } catch (error) {
    stateNotes.push(`wasm training kernels not registered: ${firstLine(error)}`);
  }
  return { ok: true, threads: wasm.getThreadsCount(), notes: stateNotes, patchedKernels };
}

/**
 * Initialises the backend the user asked for, or the fastest that loads for `auto`.
 * Throws {@link ErrorCode.BackendUnavailable} when an explicitly requested backend cannot load.
 */
export async function loadBackend(tf: Tf, options: LoadBackendOptions): Promise<LoadedBackend> {
  const requireModule = options.requireModule ?? createRequire(__filename);
  const order: readonly BackendName[] =
    options.requested === 'auto' ? backendNames : [options.requested];
  const attempts: BackendAttempt[] = [];
  let loaded: LoadedBackend | undefined;

  for (const name of order) {
    if (loaded) {
      attempts.push({ name, status: 'skipped', reason: `${loaded.name} was chosen first` });
      continue;
    }
    if (name === 'gpu' || name === 'native') {
      const result = await tryNative(tf, name, requireModule);
      if (result.ok) {
        attempts.push({ name, status: 'chosen' });
        loaded = { name, tfjsBackend: 'tensorflow', device: name === 'gpu' ? 'gpu' : 'cpu', attempts, threads: os.cpus().length, notes: result.notes, patchedKernels: [] };
      } else {
        attempts.push({ name, status: 'failed', reason: result.reason });
      }
    } else if (name === 'webgpu') {
      const result = await tryWebgpu(tf, { allowSoftware: options.requested === 'webgpu', importWebgpu: options.importWebgpu });
      if (result.ok) {
        attempts.push({ name, status: 'chosen' });
        loaded = {
          name,
          tfjsBackend: 'webgpu',
          device: result.adapter.software ? 'cpu' : 'gpu',
          attempts,
          threads: 1,
          notes: result.notes,
          patchedKernels: [],
          adapter: result.adapter,
        };
      } else {
        attempts.push({ name, status: 'failed', reason: result.reason });
      }
    } else if (name === 'wasm') {
      const result = await tryWasm(tf, options.threads, options.wasmTempRoot);
      if (result.ok) {
        attempts.push({ name, status: 'chosen' });
        loaded = { name, tfjsBackend: 'wasm', device: 'cpu', attempts, threads: result.threads, notes: result.notes, patchedKernels: result.patchedKernels };
      } else {
        attempts.push({ name, status: 'failed', reason: result.reason });
      }
    } else {
      const ok = await tf.setBackend('cpu');
      if (ok) {
        attempts.push({ name, status: 'chosen' });
        loaded = {
          name,
          tfjsBackend: 'cpu',
          device: 'cpu',
          attempts,
          threads: 1,
          notes: ['pure-JavaScript backend: about 30x slower than wasm for matrix work'],
          patchedKernels: [],
        };
      } else {
        attempts.push({ name, status: 'failed', reason: 'the cpu backend failed to initialise' });
      }
    }
  }
  if (options.requested !== 'auto') {
    for (const name of backendNames) {
      if (name !== options.requested) {
        attempts.push({ name, status: 'skipped', reason: `--backend ${options.requested} was requested` });
      }
    }
  }
  setOnnxPrefersWebgpu(loaded?.name === 'webgpu');
  if (loaded) recordBackendDevice(deviceLabel(loaded));
  if (!loaded) {
    const reasons = attempts.filter((a) => a.status === 'failed').map((a) => `${a.name}: ${a.reason}`);
    throw new LongtailError(ErrorCode.BackendUnavailable, `backend '${options.requested}' is not available here: ${reasons.join('; ')}`);
  }
  return loaded;
}
