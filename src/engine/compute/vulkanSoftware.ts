/**
 * `--backend webgpu` on a Linux machine without any Vulkan driver (CI, the engine child process under a
 * code-server extension host, a GPU-less desktop): the engine uses SwiftShader, the software Vulkan driver that
 * Debian's `chromium` package ships in `/usr/lib/chromium` (`vk_swiftshader_icd.json`, `libvk_swiftshader.so`
 * and its own Vulkan loader `libvulkan.so.1`), the same driver the tests start with `VK_ICD_FILENAMES` and
 * `LD_LIBRARY_PATH`. The engine cannot set `LD_LIBRARY_PATH` for itself (the dynamic linker reads it once,
 * at process start), so when no loader is installed it loads chromium's `libvulkan.so.1` by absolute path with
 * `RTLD_NODELETE` (Node's `process.dlopen` then refuses it as "not a Node addon" and closes its handle, but
 * the library stays mapped); Dawn's later `dlopen("libvulkan.so.1")` finds it by its SONAME. `VK_ICD_FILENAMES`
 * is read by the loader when Dawn creates its Vulkan instance, so setting it in `process.env` is enough.
 *
 * Never used by `auto` (a software adapter is never chosen automatically), and never when a Vulkan driver is
 * installed: then Dawn is asked as usual and a hardware adapter wins.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { linuxVulkanMissing, type VulkanProbeHost } from './vulkanPresence';

/** glibc's `RTLD_NODELETE` (Node's `os.constants.dlopen` does not list it). */
const RTLD_NODELETE = 0x1000;

/** Where Debian / Fedora chromium packages put SwiftShader's ICD manifest. */
export const swiftShaderIcdCandidates: readonly string[] = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib64/chromium/vk_swiftshader_icd.json'];

/** What {@link useSoftwareVulkan} reads and changes (tests replace it). */
export interface SoftwareVulkanHost {
  readonly env: NodeJS.ProcessEnv;
  readonly exists: (file: string) => boolean;
  /** Loads a shared library so that it stays loaded; returns false when it is not mapped afterwards. */
  readonly preload: (file: string) => boolean;
  /** Makes a private runtime folder (for `XDG_RUNTIME_DIR`, which Dawn warns about when unset). */
  readonly makeRuntimeDir: () => string;
  /** The Linux pre-check (vulkanPresence.ts). */
  readonly vulkanMissing: (host?: VulkanProbeHost) => string | undefined;
}

function preloadLibrary(file: string): boolean {
  try {
    process.dlopen({ exports: {} }, file, os.constants.dlopen.RTLD_NOW | os.constants.dlopen.RTLD_GLOBAL | RTLD_NODELETE);
  } catch {
    // Expected: "Module did not self-register" (it is not a Node addon); RTLD_NODELETE keeps it mapped.
  }
  try {
    return fs.readFileSync('/proc/self/maps', 'utf8').includes(file);
  } catch {
    return false;
  }
}

const defaultHost: SoftwareVulkanHost = {
  env: process.env,
  exists: (f) => fs.existsSync(f),
  preload: preloadLibrary,
  makeRuntimeDir: () => fs.mkdtempSync(path.join(os.tmpdir(), 'longtail-xdg-')),
  vulkanMissing: linuxVulkanMissing,
};

/** What {@link useSoftwareVulkan} did. */
export type SoftwareVulkanOutcome =
  /** A Vulkan driver is installed: nothing changed, Dawn is asked as usual. */
  | { readonly kind: 'installed' }
  /** SwiftShader was set up; `note` says so for `longtail info` and the log. */
  | { readonly kind: 'swiftshader'; readonly icd: string; readonly note: string }
  /** No Vulkan and no SwiftShader: why (the pre-check's reason plus what to install). */
  | { readonly kind: 'missing'; readonly reason: string };

/**
 * Prepares SwiftShader for an explicit `--backend webgpu` on Linux when the pre-check finds no Vulkan loader
 * or no driver, unless `VK_ICD_FILENAMES` / `VK_DRIVER_FILES` is set (the user chose the drivers). Sets `VK_ICD_FILENAMES` (and `XDG_RUNTIME_DIR` when unset) in `host.env`, and preloads
 * chromium's loader when the system has none. `$LONGTAIL_SWIFTSHADER_ICD` names another manifest.
 */
export function useSoftwareVulkan(host: SoftwareVulkanHost = defaultHost): SoftwareVulkanOutcome {
  const missing = host.vulkanMissing();
  if (missing === undefined) {
    return { kind: 'installed' };
  }
  if (host.env.VK_ICD_FILENAMES || host.env.VK_DRIVER_FILES) {
    // The user named the drivers: never substitute another one.
    return { kind: 'missing', reason: missing };
  }
  const candidates = [host.env.LONGTAIL_SWIFTSHADER_ICD, ...swiftShaderIcdCandidates].filter((p): p is string => !!p);
  const icd = candidates.find((p) => host.exists(p));
  if (icd === undefined) {
    return { kind: 'missing', reason: `${missing}; nor is SwiftShader (software Vulkan, Debian's chromium package: looked at ${candidates.join(', ')})` };
  }
  const dir = path.dirname(icd);
  if (/no Vulkan loader/.test(missing)) {
    const loader = path.join(dir, 'libvulkan.so.1');
    if (!host.exists(loader) || !host.preload(loader)) {
      return { kind: 'missing', reason: `${missing}; SwiftShader's manifest ${icd} was found but its folder's Vulkan loader ${loader} could not be loaded` };
    }
  }
  host.env.VK_ICD_FILENAMES = icd;
  if (!host.env.XDG_RUNTIME_DIR) {
    host.env.XDG_RUNTIME_DIR = host.makeRuntimeDir();
  }
  return { kind: 'swiftshader', icd, note: `no Vulkan driver is installed (${missing.split(' (')[0]}); using SwiftShader, a software Vulkan driver (${icd}), because webgpu was requested explicitly` };
}
