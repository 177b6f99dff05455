/**
 * What the engine knows about a WebGPU adapter, derived from Dawn's GPUAdapterInfo and limits: its names,
 * the native API under it, and whether it is a software adapter (a CPU emulating a GPU). `auto` never
 * picks a software adapter and the engine never calls one a GPU (docs/backends.md).
 */
import type { GpuAdapterSummary } from '../../protocol/engineInfo';

/** The fields of GPUAdapterInfo the engine reads (the `webgpu` package's objects have them as getters). */
export interface AdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

/** The GPUSupportedLimits the engine reads. */
export interface AdapterLimitsLike {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
}

/**
 * Names of software Vulkan / D3D / Metal implementations: SwiftShader (Chromium's), llvmpipe and lavapipe
 * (Mesa), softpipe, Microsoft Basic Render Driver / WARP.
 */
const softwarePattern = /swiftshader|llvmpipe|lavapipe|softpipe|basic render|microsoft basic|\bwarp\b/i;

/** The native API Dawn uses by default on a platform (`process.platform`). */
export function webgpuApiFor(platform: string): string {
  if (platform === 'darwin') return 'Metal';
  if (platform === 'win32') return 'D3D12';
  return 'Vulkan';
}

/**
 * Summarises an adapter. `software` is true when the adapter says it is a fallback adapter
 * (`info.isFallbackAdapter`, also `adapter.isFallbackAdapter` in older Dawn builds) or when any of its
 * names matches a known software implementation; `softwareReason` says which.
 */
export function summariseAdapter(info: AdapterInfoLike, limits: AdapterLimitsLike, platform: string, adapterIsFallback?: boolean): GpuAdapterSummary {
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const fields = { vendor: text(info.vendor), architecture: text(info.architecture), device: text(info.device), description: text(info.description) };
  let softwareReason: string | undefined;
  if (info.isFallbackAdapter === true || adapterIsFallback === true) {
    softwareReason = 'the adapter reports isFallbackAdapter';
  } else {
    for (const [key, value] of Object.entries(fields)) {
      const match = softwarePattern.exec(value);
      if (match) {
        softwareReason = `its ${key} names ${match[0]}, a software implementation`;
        break;
      }
    }
  }
  return {
    ...fields,
    api: webgpuApiFor(platform),
    software: softwareReason !== undefined,
    ...(softwareReason !== undefined ? { softwareReason } : {}),
    maxBufferSize: Number(limits.maxBufferSize),
    maxStorageBufferBindingSize: Number(limits.maxStorageBufferBindingSize),
  };
}
