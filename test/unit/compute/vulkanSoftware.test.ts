/**
 * useSoftwareVulkan on a fake machine (what it looks for, what it changes), plus one real check: in a child
 * process without VK_ICD_FILENAMES / LD_LIBRARY_PATH (like the engine under a code-server extension host),
 * it makes Dawn find SwiftShader's adapter from Debian's chromium.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { linuxVulkanMissing, type VulkanProbeHost } from '../../../src/engine/compute/vulkanPresence';
import { useSoftwareVulkan, type SoftwareVulkanHost } from '../../../src/engine/compute/vulkanSoftware';

/** The real machine, as vulkanPresence reads it. */
const realProbe: Omit<VulkanProbeHost, 'env'> = {
  exists: (f) => existsSync(f),
  readFile: (f) => (existsSync(f) ? readFileSync(f) : undefined),
  listDir: (d) => (existsSync(d) ? readdirSync(d) : []),
  home: homedir(),
};

const chromiumIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';
const chromiumLoader = '/usr/lib/chromium/libvulkan.so.1';

/** A machine holding exactly `files`; records what was preloaded. */
function fakeHost(files: string[], env: NodeJS.ProcessEnv = {}, preloadWorks = true): SoftwareVulkanHost & { preloaded: string[] } {
  const preloaded: string[] = [];
  const probe: VulkanProbeHost = {
    env,
    exists: (f) => files.includes(f),
    readFile: () => undefined,
    listDir: (d) => files.filter((f) => f.startsWith(`${d}/`)).map((f) => f.slice(d.length + 1)),
    home: '/home/u',
  };
  return {
    env,
    exists: (f) => files.includes(f),
    preload: (f) => {
      preloaded.push(f);
      return preloadWorks;
    },
    makeRuntimeDir: () => '/tmp/longtail-xdg-test',
    vulkanMissing: () => linuxVulkanMissing(probe),
    preloaded,
  };
}

describe('useSoftwareVulkan (explicit webgpu on Linux)', () => {
  it('changes nothing when a Vulkan driver is installed (a hardware adapter must win)', () => {
    const host = fakeHost(['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/share/vulkan/icd.d/nvidia_icd.json', chromiumIcd, chromiumLoader]);
    assert.deepEqual(useSoftwareVulkan(host), { kind: 'installed' });
    assert.deepEqual(host.env, {});
    assert.deepEqual(host.preloaded, []);
  });

  it('no loader, no driver: preloads chromium\'s loader and points VK_ICD_FILENAMES at SwiftShader', () => {
    const host = fakeHost([chromiumIcd, chromiumLoader]);
    const r = useSoftwareVulkan(host);
    assert.equal(r.kind, 'swiftshader');
    assert.deepEqual(host.preloaded, [chromiumLoader]);
    assert.equal(host.env.VK_ICD_FILENAMES, chromiumIcd);
    assert.equal(host.env.XDG_RUNTIME_DIR, '/tmp/longtail-xdg-test');
    assert.equal(r.kind === 'swiftshader' && r.note, `no Vulkan driver is installed (no Vulkan loader); using SwiftShader, a software Vulkan driver (${chromiumIcd}), because webgpu was requested explicitly`);
  });

  it('a system loader but no driver: only VK_ICD_FILENAMES, no preload; XDG_RUNTIME_DIR kept when set', () => {
    const host = fakeHost(['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', chromiumIcd, chromiumLoader], { XDG_RUNTIME_DIR: '/run/user/1000' });
    assert.equal(useSoftwareVulkan(host).kind, 'swiftshader');
    assert.deepEqual(host.preloaded, []);
    assert.equal(host.env.VK_ICD_FILENAMES, chromiumIcd);
    assert.equal(host.env.XDG_RUNTIME_DIR, '/run/user/1000');
  });

  it('LONGTAIL_SWIFTSHADER_ICD names another manifest', () => {
    const host = fakeHost(['/opt/ss/vk_swiftshader_icd.json', '/opt/ss/libvulkan.so.1'], { LONGTAIL_SWIFTSHADER_ICD: '/opt/ss/vk_swiftshader_icd.json' });
    assert.equal(useSoftwareVulkan(host).kind, 'swiftshader');
    assert.deepEqual(host.preloaded, ['/opt/ss/libvulkan.so.1']);
    assert.equal(host.env.VK_ICD_FILENAMES, '/opt/ss/vk_swiftshader_icd.json');
  });

  it('never overrides drivers the user named with VK_ICD_FILENAMES, even missing ones', () => {
    const host = fakeHost([chromiumIcd, chromiumLoader], { VK_ICD_FILENAMES: '/nope.json' });
    const r = useSoftwareVulkan(host);
    assert.equal(r.kind, 'missing');
    assert.equal(host.env.VK_ICD_FILENAMES, '/nope.json');
    assert.deepEqual(host.preloaded, []);
  });

  it('no SwiftShader, or a loader that will not load: says what is missing and where it looked', () => {
    const none = useSoftwareVulkan(fakeHost([]));
    assert.equal(none.kind, 'missing');
    assert.match(none.kind === 'missing' ? none.reason : '', /^no Vulkan loader \(libvulkan\.so\.1\) is installed.*; nor is SwiftShader \(software Vulkan, Debian's chromium package: looked at \/usr\/lib\/chromium\/vk_swiftshader_icd\.json, \/usr\/lib64\/chromium\/vk_swiftshader_icd\.json\)$/);
    const bad = useSoftwareVulkan(fakeHost([chromiumIcd, chromiumLoader], {}, false));
    assert.match(bad.kind === 'missing' ? bad.reason : '', /SwiftShader's manifest \/usr\/lib\/chromium\/vk_swiftshader_icd\.json was found but its folder's Vulkan loader \/usr\/lib\/chromium\/libvulkan\.so\.1 could not be loaded$/);
  });

  it('for real: a process started without any Vulkan variables gets SwiftShader\'s adapter from Dawn', () => {
    assert.ok(existsSync(chromiumIcd), `${chromiumIcd} not found: install Debian's chromium package`);
    const script = [
      "const { useSoftwareVulkan } = require('./src/engine/compute/vulkanSoftware.ts');",
      'const r = useSoftwareVulkan();',
      "require('webgpu').create([]).requestAdapter().then((a) => { console.log(JSON.stringify({ kind: r.kind, architecture: a && a.info.architecture })); process.exit(0); });",
    ].join('\n');
    const env = { ...process.env };
    for (const k of ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'LD_LIBRARY_PATH', 'XDG_RUNTIME_DIR', 'LONGTAIL_SWIFTSHADER_ICD']) delete env[k];
    const root = path.join(__dirname, '..', '..', '..');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout.trim()) as { kind: string; architecture: string | null };
    if (linuxVulkanMissing({ ...realProbe, env }) === undefined) {
      // A machine with a Vulkan driver: nothing is substituted (not the case on CI or this project's machines).
      assert.equal(got.kind, 'installed');
      return;
    }
    assert.deepEqual(got, { kind: 'swiftshader', architecture: 'swiftshader' });
    assert.equal(r.stderr, '', 'no warnings from Dawn or the Vulkan loader');
  });
});
