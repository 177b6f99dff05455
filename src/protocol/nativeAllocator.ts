/**
 * glibc malloc settings for the engine child process the extension starts (client/engineProcess.ts). The CLI runs
 * in the user's own process and cannot set them for itself (glibc reads them at start-up); README's CLI section
 * gives them for a shell.
 *
 * Why. onnxruntime-node's binding returns every product as a new buffer — 8 MB for the weight gradient of a
 * 2048 → 1000 head, every step — while onnxruntime has already written it into the engine's own array. With glibc's
 * defaults such blocks are mapped fresh and handed back to the system again and again (the dynamic mmap threshold
 * and heap trimming), so a step pays ~2,000 page faults, which measured 20 ms of a 13 ms step on a 2-core VM
 * (docs/performance.md §3). A fixed mmap threshold of 32 MiB and a trim threshold of 256 MiB keep them in the
 * heap for reuse.
 *
 * Large arrays on transparent huge pages. The engine holds the eval set's logits and embeddings in arrays of hundreds
 * of MB (iNaturalist: 0.8 GB of logits). Node allocates them with malloc, and glibc maps them in 4 KiB pages; on a
 * 2-core VM the first pass over 0.8 GB so mapped took 1.2–1.7 s (200,000 pages), the next 20 ms. `glibc.malloc.hugetlb=1`
 * (GLIBC_TUNABLES, glibc ≥ 2.35; older versions ignore it) asks for transparent huge pages on malloc's mappings, as
 * numpy does for its own arrays: the same first pass took 17 ms (docs/performance.md §3). It is added to the
 * user's own GLIBC_TUNABLES unless those already set it.
 *
 * A non-empty value the user set is kept (an empty one counts as unset); other platforms' allocators do not read
 * these variables.
 */

/** The variables and their values. */
export const engineAllocatorEnv: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(256 * 1024 * 1024),
  GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
};

/** `env` with {@link engineAllocatorEnv} added where unset or empty, on Linux (glibc); a copy of `env` elsewhere. */
export function withEngineAllocatorEnv(env: Readonly<Record<string, string | undefined>>, platform: string): Record<string, string | undefined> {
  if (platform !== 'linux') return { ...env };
  const out: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(engineAllocatorEnv)) {
    const given = out[name];
    if (given === undefined || given === '') out[name] = value;
    else if (name === 'GLIBC_TUNABLES' && !given.includes('glibc.malloc.hugetlb')) out[name] = `${given}:${value}`;
  }
  return out;
}
