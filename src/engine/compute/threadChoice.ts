/**
 * How many intra-op threads onnxruntime gets (the ONNX model forward in model/onnxClassifier.ts and the
 * product service in compute/productService.ts). onnxruntime's own default is one thread per core, which
 * loses on a machine whose cores are already busy: its threads spin-wait for each other and every one
 * that the OS deschedules stalls the others (docs/performance.md §forward measures 1 against 2 threads on
 * a shared 2-core machine). The choice: the user's `longtail.threads` / `--threads` when given (> 0), else
 * the cores not already in use, ⌊cores − load₁⌋ clamped to [1, cores], with load₁ the one-minute load
 * average (os.loadavg; 0 on Windows, where this gives every core).
 */
import * as os from 'node:os';

/** The chosen thread count and why, in words (shown by `longtail info`). */
export interface ThreadChoice {
  readonly threads: number;
  readonly reason: string;
}

/** What the choice is made from (the defaults read this machine; tests pass their own). */
export interface MachineLoad {
  readonly cores: number;
  /** One-minute load average (runnable + running tasks). */
  readonly load1: number;
}

/** This machine's logical cores and one-minute load average. */
export function machineLoad(): MachineLoad {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return { cores: Math.max(1, cores), load1: os.loadavg()[0] };
}

/**
 * threads = override when override > 0, else clamp(⌊cores − load₁⌋, 1, cores) (see the file comment).
 * `override` 0 or undefined means "choose".
 */
export function chooseThreads(override?: number, machine: MachineLoad = machineLoad()): ThreadChoice {
  const { cores, load1 } = machine;
  if (override !== undefined && Number.isFinite(override) && override > 0) {
    return { threads: Math.floor(override), reason: `set by longtail.threads / --threads (${cores} cores, load ${load1.toFixed(2)})` };
  }
  const free = Math.floor(cores - load1);
  const threads = Math.min(cores, Math.max(1, free));
  const why = threads === cores ? 'every core is free' : threads === 1 ? 'the cores are busy' : `${threads} cores are free`;
  return { threads, reason: `${why}: ${cores} cores, 1-minute load ${load1.toFixed(2)} (threads = ⌊cores − load⌋, at least 1)` };
}
