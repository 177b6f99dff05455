import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { engineAllocatorEnv, withEngineAllocatorEnv } from '../../../src/protocol/nativeAllocator';

describe('engine allocator environment (protocol/nativeAllocator.ts)', () => {
  it('adds the glibc settings on Linux and keeps everything else', () => {
    const env = withEngineAllocatorEnv({ PATH: '/usr/bin', HOME: '/h' }, 'linux');
    assert.deepEqual(env, {
      PATH: '/usr/bin',
      HOME: '/h',
      MALLOC_MMAP_THRESHOLD_: '33554432',
      MALLOC_TRIM_THRESHOLD_: '268435456',
      GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
    });
  });
  it("adds huge pages to the user's own glibc tunables, unless they set them", () => {
    assert.equal(withEngineAllocatorEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux').GLIBC_TUNABLES, 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    assert.equal(withEngineAllocatorEnv({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, 'linux').GLIBC_TUNABLES, 'glibc.malloc.hugetlb=0');
  });
  it('keeps a value the user set; an empty one counts as unset', () => {
    const env = withEngineAllocatorEnv({ MALLOC_TRIM_THRESHOLD_: '0', MALLOC_MMAP_THRESHOLD_: '', GLIBC_TUNABLES: '' }, 'linux');
    assert.equal(env.MALLOC_TRIM_THRESHOLD_, '0');
    assert.equal(env.MALLOC_MMAP_THRESHOLD_, engineAllocatorEnv.MALLOC_MMAP_THRESHOLD_);
    assert.equal(env.GLIBC_TUNABLES, 'glibc.malloc.hugetlb=1');
  });
  it('changes nothing on other platforms, and returns a copy', () => {
    const given = { PATH: 'C:\\bin' };
    for (const platform of ['win32', 'darwin']) {
      const env = withEngineAllocatorEnv(given, platform);
      assert.deepEqual(env, given);
      assert.notEqual(env, given);
    }
  });
});
