/**
 * Progress of long engine tasks. Every report is a complete snapshot (never a delta), so a receiver
 * may drop any of them and still show the truth from the next one.
 */

/** A complete snapshot of a long task's progress. */
export interface ProgressSnapshot {
  /** Identifies the task; the `progressToken` the caller passed with its request. */
  readonly token: string;
  /** What is happening now, e.g. `forward pass`, `epoch 3/10`. */
  readonly phase: string;
  /** Units done so far. */
  readonly done: number;
  /** Units in total, or null when unknown. */
  readonly total: number | null;
  /** Milliseconds since the task started. */
  readonly elapsedMs: number;
  /** Estimated milliseconds left, or null when unknown. */
  readonly etaMs: number | null;
  /** Optional human-readable detail. */
  readonly message?: string;
}

/** Receives progress snapshots. */
export type ProgressSink = (snapshot: ProgressSnapshot) => void;

/** The minimal cancellation interface the engine checks (a vscode-jsonrpc token and the CLI's adapter both fit). */
export interface CancellationSignal {
  /** True once cancellation was requested. */
  readonly isCancellationRequested: boolean;
}

/**
 * Builds snapshots with elapsed time and a linear ETA.
 * ETA = elapsed · (total − done) / done, null until one unit is done or when total is unknown.
 */
export function makeSnapshot(
  token: string,
  phase: string,
  done: number,
  total: number | null,
  startedAt: number,
  now: number,
  message?: string,
): ProgressSnapshot {
  const elapsedMs = Math.max(0, now - startedAt);
  const etaMs = total !== null && done > 0 ? Math.max(0, (elapsedMs * (total - done)) / done) : null;
  return { token, phase, done, total, elapsedMs, etaMs, message };
}
