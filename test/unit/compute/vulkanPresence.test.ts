import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { linuxVulkanMissing, type VulkanProbeHost } from '../../../src/engine/compute/vulkanPresence';

/** A file system holding exactly `files` (and `cache` as /etc/ld.so.cache). */
function host(files: string[], env: NodeJS.ProcessEnv = {}, cache?: string): VulkanProbeHost {
  return {
    env,
    exists: (f) => files.includes(f),
    readFile: (f) => (f === '/etc/ld.so.cache' && cache !== undefined ? Buffer.from(cache) : undefined),
    listDir: (d) => files.filter((f) => f.startsWith(`${d}/`)).map((f) => f.slice(d.length + 1)),
    home: '/home/u',
  };
}

describe('linuxVulkanMissing', () => {
  it('a GPU-less machine without the loader is skipped with that reason', () => {
    assert.match(linuxVulkanMissing(host([])) ?? '', /^no Vulkan loader \(libvulkan\.so\.1\) is installed/);
  });

  it('the loader found via ld.so.cache or LD_LIBRARY_PATH, but no driver manifest', () => {
    const viaCache = linuxVulkanMissing(host([], {}, '\0libvulkan.so.1\0/usr/lib/x86_64-linux-gnu/libvulkan.so.1\0'));
    assert.match(viaCache ?? '', /^no Vulkan driver is installed \(no ICD manifest in .*\/usr\/share\/vulkan\/icd\.d.*; in a container NVIDIA_DRIVER_CAPABILITIES must include graphics\)$/);
    const viaEnv = linuxVulkanMissing(host(['/opt/vk/libvulkan.so.1'], { LD_LIBRARY_PATH: '/opt/vk' }));
    assert.match(viaEnv ?? '', /^no Vulkan driver is installed/);
  });

  it('a driver manifest in a loader search folder (NVIDIA in a container with graphics) passes', () => {
    const files = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/share/vulkan/icd.d/nvidia_icd.json'];
    assert.equal(linuxVulkanMissing(host(files)), undefined);
    assert.equal(linuxVulkanMissing(host(['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/etc/vulkan/icd.d/nvidia_icd.json'])), undefined);
    // A non-json file is no manifest.
    assert.notEqual(linuxVulkanMissing(host(['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/share/vulkan/icd.d/README'])), undefined);
  });

  it('VK_ICD_FILENAMES / VK_DRIVER_FILES replace the search: their files must exist', () => {
    const loader = '/usr/lib/libvulkan.so.1';
    assert.equal(linuxVulkanMissing(host([loader, '/x/swiftshader.json'], { VK_ICD_FILENAMES: '/x/swiftshader.json' })), undefined);
    assert.equal(
      linuxVulkanMissing(host([loader, '/usr/share/vulkan/icd.d/nvidia_icd.json'], { VK_DRIVER_FILES: '/nope.json' })),
      'no Vulkan driver: the manifest files named by VK_DRIVER_FILES / VK_ICD_FILENAMES do not exist (/nope.json)',
    );
  });
});
