/** The harness's progress lines: `[e2e 18:15:22.1] message` (wall-clock time: the runner and its workers are separate processes). */

/** Seconds since `since` with one decimal. */
export function secondsSince(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

/** Prints one progress line. */
export function log(message: string): void {
  console.log(`[e2e ${new Date().toISOString().slice(11, 21)}] ${message}`);
}

/** Resolves after `ms`. Only for polling intervals, never as a wait for something to happen. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
