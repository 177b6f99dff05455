/** The harness's progress lines: `[e2e  12.3s] message`, seconds since the process started. */

const started = Date.now();

/** Seconds since `since` with one decimal. */
export function secondsSince(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

/** Prints one progress line. */
export function log(message: string): void {
  console.log(`[e2e ${secondsSince(started).padStart(5)}s] ${message}`);
}

/** Resolves after `ms`. Only for polling intervals, never as a wait for something to happen. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
