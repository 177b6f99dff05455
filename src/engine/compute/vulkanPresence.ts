/**
 * Whether a Linux machine has any Vulkan at all, checked on the file system before Dawn is asked. Dawn
 * writes warnings to stderr when the Vulkan loader or every driver is missing (`Couldn't load Vulkan:
 * libvulkan.so.1 …`, `vkCreateInstance: Found no drivers!`), which on a GPU-less machine — the normal case —
 * would break `auto`'s promise to fall back quietly. So `auto` skips WebGPU on Linux when
 * - no `libvulkan.so.1` is in the dynamic linker's cache (`/etc/ld.so.cache`), in `LD_LIBRARY_PATH` or in the
 *   usual library folders; or
 * - no Vulkan driver manifest (ICD json) exists: the files `VK_DRIVER_FILES` / `VK_ICD_FILENAMES` name when
 *   set, else `*.json` in the loader's search folders (`/usr/share/vulkan/icd.d`, `/etc/vulkan/icd.d`, the
 *   XDG data and config folders).
 * `--backend webgpu` does not use this check: it always asks Dawn.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** What the check reads (tests replace it). */
export interface VulkanProbeHost {
  readonly env: NodeJS.ProcessEnv;
  readonly exists: (file: string) => boolean;
  readonly readFile: (file: string) => Buffer | undefined;
  readonly listDir: (dir: string) => readonly string[];
  readonly home: string;
}

const defaultHost: VulkanProbeHost = {
  env: process.env,
  exists: (f) => fs.existsSync(f),
  readFile: (f) => {
    try {
      return fs.readFileSync(f);
    } catch {
      return undefined;
    }
  },
  listDir: (d) => {
    try {
      return fs.readdirSync(d);
    } catch {
      return [];
    }
  },
  home: os.homedir(),
};

const libraryDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/lib64', '/lib', '/usr/local/lib'];

/** Colon-separated list from an environment variable, empty entries dropped. */
function pathList(value: string | undefined): string[] {
  return (value ?? '').split(':').filter((p) => p !== '');
}

/** Why Vulkan is certainly unavailable on this Linux machine, or undefined when it may be available. */
export function linuxVulkanMissing(host: VulkanProbeHost = defaultHost): string | undefined {
  const loaderDirs = [...pathList(host.env.LD_LIBRARY_PATH), ...libraryDirs];
  const cache = host.readFile('/etc/ld.so.cache');
  const hasLoader = (cache !== undefined && cache.includes('libvulkan.so.1')) || loaderDirs.some((d) => host.exists(path.join(d, 'libvulkan.so.1')));
  if (!hasLoader) {
    return 'no Vulkan loader (libvulkan.so.1) is installed, so no GPU is reachable through Vulkan (Debian/Ubuntu: libvulkan1 plus the GPU vendor\'s Vulkan driver)';
  }
  const named = [...pathList(host.env.VK_DRIVER_FILES), ...pathList(host.env.VK_ICD_FILENAMES)];
  if (named.length > 0) {
    return named.some((f) => host.exists(f)) ? undefined : `no Vulkan driver: the manifest files named by VK_DRIVER_FILES / VK_ICD_FILENAMES do not exist (${named.join(', ')})`;
  }
  const dataDirs = [host.env.XDG_DATA_HOME ?? path.join(host.home, '.local', 'share'), ...pathList(host.env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share')];
  const configDirs = [host.env.XDG_CONFIG_HOME ?? path.join(host.home, '.config'), ...pathList(host.env.XDG_CONFIG_DIRS ?? '/etc/xdg'), '/etc'];
  const icdDirs = [...configDirs, ...dataDirs].map((d) => path.join(d, 'vulkan', 'icd.d'));
  const hasIcd = icdDirs.some((d) => host.listDir(d).some((f) => f.endsWith('.json')));
  return hasIcd ? undefined : `no Vulkan driver is installed (no ICD manifest in ${icdDirs.join(', ')}; in a container NVIDIA_DRIVER_CAPABILITIES must include graphics)`;
}
