/** Cooperative cancellation for long engine loops. */
import type { CancellationSignal } from '../protocol/progress';
import { ErrorCode, LongtailError } from '../protocol/errors';

/** A signal that is never cancelled. */
export const neverCancelled: CancellationSignal = { isCancellationRequested: false };

/** Throws {@link ErrorCode.Cancelled} once cancellation was requested. */
export function throwIfCancelled(signal: CancellationSignal | undefined): void {
  if (signal?.isCancellationRequested) {
    throw new LongtailError(ErrorCode.Cancelled, 'cancelled');
  }
}

/**
 * Lets the event loop run (so a JSON-RPC `$/cancelRequest` can arrive), then checks the signal.
 * Engine loops call this between batches: TF.js kernels are synchronous on the CPU backends.
 */
export async function yieldAndCheck(signal: CancellationSignal | undefined): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  throwIfCancelled(signal);
}
