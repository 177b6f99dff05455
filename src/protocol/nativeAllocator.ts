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
 * heap for reuse. A value the user set is kept; other platforms' allocators do not read these variables.
 */

/** The variables and their values. */
export const engineAllocatorEnv: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(256 * 1024 * 1024),
};

/** `env` with {@link engineAllocatorEnv} added where unset, on Linux (glibc); `env` itself elsewhere. */
export function withEngineAllocatorEnv(env: Readonly<Record<string, string | undefined>>, platform: string): Record<string, string | undefined> {
  if (platform !== 'linux') return { ...env };
  const out: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(engineAllocatorEnv)) if (out[name] === undefined) out[name] = value;
  return out;
}
