/**
 * The `webgpu` backend: @tensorflow/tfjs-backend-webgpu on Dawn, the WebGPU implementation Chromium uses,
 * through its Node bindings (the `webgpu` npm package, `dawn.node` prebuilt per platform). Dawn drives
 * Vulkan on Linux (NVIDIA, AMD and Intel drivers alike), Metal on macOS and D3D12 on Windows.
 *
 * Order of events, and why:
 * 0. An explicit `--backend webgpu` on Linux with no Vulkan driver installed sets up SwiftShader from
 *    Debian's chromium when it is there (vulkanSoftware.ts; a software adapter, said as such).
 * 1. `webgpu` is imported and `create([])` gives the GPU object a browser calls `navigator.gpu`.
 * 2. `requestAdapter()` is asked for a high-performance adapter. `null` (no driver: the normal case on a
 *    GPU-less machine) fails quietly with a reason; a software adapter (SwiftShader, llvmpipe,
 *    `isFallbackAdapter`) fails unless the user asked for `webgpu` explicitly.
 * 3. The device is requested with the adapter's own buffer limits (the default is 256 MiB), and its `lost`
 *    promise and uncaptured errors are watched (gpuFailure.ts turns them into named errors).
 * 4. Only then are `navigator.gpu` and the WebGPU globals (`GPUBufferUsage`, ...) put on `globalThis` and
 *    the TF.js backend imported: it reads `navigator.gpu` at import (tfjs#8066). The engine registers the
 *    `webgpu` backend with a factory that wraps the device it already holds, so the adapter TF.js computes
 *    on is the one that was checked.
 *
 * Reading tensors: WebGPU has no synchronous readback in Node (the backend's `readSync` draws through an
 * OffscreenCanvas, which Node lacks), so code that must run on webgpu reads with `await t.data()`.
 */
import type { GpuAdapterSummary } from '../../protocol/engineInfo';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { Tf } from './tf';
import { linuxVulkanMissing } from './vulkanPresence';
import { useSoftwareVulkan, type SoftwareVulkanOutcome } from './vulkanSoftware';
import { summariseAdapter, type AdapterInfoLike, type AdapterLimitsLike } from './webgpuAdapter';
import { gpuFailureState } from './gpuFailure';

/** The GPUAdapter members the engine uses. */
interface AdapterLike {
  readonly info?: AdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
  readonly limits: AdapterLimitsLike & Readonly<Record<string, number>>;
  requestDevice(descriptor?: unknown): Promise<DeviceLike>;
}

/** The GPUDevice members the engine uses. */
export interface DeviceLike {
  readonly lost: Promise<{ readonly reason?: string; readonly message?: string }>;
  onuncapturederror: ((event: { readonly error?: { readonly message?: string; readonly constructor?: { readonly name?: string } } }) => void) | null;
  destroy(): void;
}

/** The GPU object (`navigator.gpu`). */
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

/** The `webgpu` package's exports. */
export interface WebgpuPackage {
  create(flags: string[]): GpuLike;
  readonly globals: Readonly<Record<string, unknown>>;
}

/** Options for {@link tryWebgpu}. */
export interface TryWebgpuOptions {
  /** Use a software adapter too (`--backend webgpu`); `auto` passes false. */
  readonly allowSoftware: boolean;
  /** Loads the `webgpu` package (tests replace it). Default: `import('webgpu')`. */
  readonly importWebgpu?: () => Promise<WebgpuPackage>;
  /** `process.platform` (tests replace it). */
  readonly platform?: string;
  /** The Linux pre-check (vulkanPresence.ts; tests replace it). */
  readonly vulkanMissing?: () => string | undefined;
  /** The SwiftShader set-up for an explicit webgpu on Linux (vulkanSoftware.ts; tests replace it). */
  readonly softwareVulkan?: () => SoftwareVulkanOutcome;
}

/** Result of {@link tryWebgpu}. */
export type WebgpuOutcome =
  | { readonly ok: true; readonly adapter: GpuAdapterSummary; readonly notes: string[] }
  | { readonly ok: false; readonly reason: string; readonly adapter?: GpuAdapterSummary };

/** First line of an error message. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
}

async function defaultImportWebgpu(): Promise<WebgpuPackage> {
  // A variable specifier keeps the type-checker out of the package's DOM-flavoured typings; esbuild keeps
  // `import()` of an external package as is, so Node resolves it from the bundle's node_modules.
  const specifier: string = 'webgpu';
  const mod = (await import(specifier)) as Partial<WebgpuPackage> & { default?: Partial<WebgpuPackage> };
  const pkg = typeof mod.create === 'function' ? mod : mod.default;
  if (!pkg || typeof pkg.create !== 'function' || typeof pkg.globals !== 'object') {
    throw new Error('the webgpu package does not export create() and globals');
  }
  return pkg as WebgpuPackage;
}

/** What the platform needs for Dawn to see a hardware adapter, for the "no adapter" reason. */
function noAdapterHint(platform: string): string {
  if (platform === 'linux') {
    return 'Dawn found no Vulkan device (a GPU needs its Vulkan driver and the loader libvulkan.so.1; in a container NVIDIA_DRIVER_CAPABILITIES must include graphics)';
  }
  if (platform === 'win32') return 'Dawn found no D3D12 device';
  if (platform === 'darwin') return 'Dawn found no Metal device';
  return `Dawn has no WebGPU backend for ${platform}`;
}

/** The device and GPU object of the initialised backend (one per process: TF.js initialises a backend once). */
let active: { gpu: GpuLike; device: DeviceLike; adapter: GpuAdapterSummary; notes: string[]; options: TryWebgpuOptions } | undefined;

/** The adapter the webgpu backend runs on, once initialised. */
export function activeWebgpuAdapter(): GpuAdapterSummary | undefined {
  return active?.adapter;
}

/**
 * Initialises the `webgpu` TF.js backend and makes it current, or says why not. Never throws: a missing
 * package, no adapter, a software adapter under `auto` and a failed device request all come back as
 * `{ ok: false, reason }`.
 */
export async function tryWebgpu(tf: Tf, options: TryWebgpuOptions): Promise<WebgpuOutcome> {
  const platform = options.platform ?? process.platform;
  if (active) {
    // Already initialised in this process: only switch to it (and honour `auto`'s software rule).
    if (active.adapter.software && !options.allowSoftware) {
      return { ok: false, reason: softwareReason(active.adapter), adapter: active.adapter };
    }
    return (await tf.setBackend('webgpu')) ? { ok: true, adapter: active.adapter, notes: active.notes } : { ok: false, reason: 'the webgpu backend failed to initialise' };
  }
  // `auto` on Linux: skip Dawn (and its stderr warnings) when there is certainly no Vulkan. Not when the
  // package is injected (tests define the world then), nor for an explicit `--backend webgpu`.
  if (!options.allowSoftware && platform === 'linux' && !options.importWebgpu) {
    const missing = (options.vulkanMissing ?? linuxVulkanMissing)();
    if (missing) return { ok: false, reason: `no WebGPU adapter: ${missing}` };
  }
  // An explicit `--backend webgpu` on Linux without any Vulkan driver: SwiftShader from chromium, if present
  // (vulkanSoftware.ts). Not when the package is injected (tests define the world then).
  const setupNotes: string[] = [];
  if (options.allowSoftware && platform === 'linux' && !options.importWebgpu) {
    const software = (options.softwareVulkan ?? useSoftwareVulkan)();
    if (software.kind === 'missing') return { ok: false, reason: `no WebGPU adapter: ${software.reason}` };
    if (software.kind === 'swiftshader') setupNotes.push(software.note);
  }
  let pkg: WebgpuPackage;
  try {
    pkg = await (options.importWebgpu ?? defaultImportWebgpu)();
  } catch (error) {
    return { ok: false, reason: `the webgpu package (Dawn's Node bindings) failed to load: ${firstLine(error)}` };
  }
  let gpu: GpuLike;
  let adapterObject: AdapterLike | null;
  try {
    gpu = pkg.create([]);
    adapterObject = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, reason: `no WebGPU adapter: ${firstLine(error)}` };
  }
  if (!adapterObject) {
    return { ok: false, reason: `no WebGPU adapter: ${noAdapterHint(platform)}` };
  }
  const adapter = summariseAdapter(adapterObject.info ?? {}, adapterObject.limits, platform, adapterObject.isFallbackAdapter);
  if (adapter.software && !options.allowSoftware) {
    return { ok: false, reason: softwareReason(adapter), adapter };
  }
  let device: DeviceLike;
  try {
    const limits = adapterObject.limits;
    device = await adapterObject.requestDevice({
      requiredLimits: {
        maxBufferSize: limits.maxBufferSize,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    });
  } catch (error) {
    return { ok: false, reason: `the WebGPU adapter ${adapter.description || adapter.vendor} refused a device: ${firstLine(error)}`, adapter };
  }
  gpuFailureState.watch(device);

  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(pkg.globals)) {
    if (!(name in g)) g[name] = value;
  }
  const nav = (g.navigator ?? {}) as Record<string, unknown>;
  Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  if (g.navigator === undefined) g.navigator = nav;

  let backendModule: { WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => unknown };
  try {
    backendModule = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as typeof backendModule;
  } catch (error) {
    device.destroy();
    return { ok: false, reason: `@tensorflow/tfjs-backend-webgpu failed to load: ${firstLine(error)}`, adapter };
  }
  // Replace the package's own factory (it would request a second adapter) with one over this device.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const adapterInfo = adapterObject.info;
  tf.registerBackend('webgpu', () => new backendModule.WebGPUBackend(device, adapterInfo) as never, 3);
  try {
    if (!(await tf.setBackend('webgpu'))) {
      device.destroy();
      return { ok: false, reason: 'the webgpu backend failed to initialise', adapter };
    }
  } catch (error) {
    device.destroy();
    return { ok: false, reason: `webgpu: ${firstLine(error)}`, adapter };
  }
  const notes = [
    ...setupNotes,
    `WebGPU adapter: ${[adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter((s) => s).join(' / ')} on ${adapter.api}${adapter.software ? ` (software adapter: ${adapter.softwareReason}; used because webgpu was requested explicitly)` : ''}`,
    `WebGPU limits: maxBufferSize ${adapter.maxBufferSize} B, maxStorageBufferBindingSize ${adapter.maxStorageBufferBindingSize} B`,
  ];
  active = { gpu, device, adapter, notes, options };
  return { ok: true, adapter, notes };
}

/** Why `auto` did not take a software adapter. */
function softwareReason(adapter: GpuAdapterSummary): string {
  return `only a software WebGPU adapter is available (${adapter.description || adapter.architecture}: ${adapter.softwareReason}); auto never uses one, --backend webgpu does`;
}

/**
 * Lets the process exit: Dawn keeps Node's event loop alive while the GPU object is referenced. Disposes
 * the TF.js backend, destroys the device and drops `navigator.gpu`. Safe to call when nothing is active.
 */
export function releaseWebgpu(tf: Tf): void {
  if (!active) return;
  gpuFailureState.expectDestroy(active.device);
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  active.device.destroy();
  const nav = (globalThis as Record<string, unknown>).navigator as Record<string, unknown> | undefined;
  if (nav && nav.gpu === active.gpu) delete nav.gpu;
  active = undefined;
}

/**
 * Re-creates the device after a loss (driver reset, GPU removed, timeout), so a request after a
 * GPU_DEVICE_LOST runs again: releases the old backend and initialises webgpu anew with the options it was
 * started with. Returns a note when it did, undefined when nothing was lost; throws BACKEND_UNAVAILABLE when
 * the GPU cannot be started again.
 */
export async function recoverWebgpuIfLost(tf: Tf): Promise<string | undefined> {
  if (!active || !gpuFailureState.lost) return undefined;
  const options = active.options;
  releaseWebgpu(tf);
  gpuFailureState.take();
  const result = await tryWebgpu(tf, options);
  if (!result.ok) {
    throw new LongtailError(ErrorCode.BackendUnavailable, `the GPU device was lost and could not be started again: ${result.reason}`);
  }
  return `WebGPU device re-created after a loss (${adapterLabel(result.adapter)})`;
}

function adapterLabel(adapter: GpuAdapterSummary): string {
  return adapter.description || `${adapter.vendor} ${adapter.architecture}`.trim();
}
