/** Command-line options of the engine child process (`node dist/engine.js --backend wasm --threads 2`). */
import { parseArgs } from 'node:util';
import { isBackendRequest } from '../protocol/engineInfo';
import { ErrorCode, LongtailError } from '../protocol/errors';
import type { EngineOptions } from './engine';

/** Parses and validates `--backend` and `--threads`. */
export function parseEngineArgs(argv: readonly string[]): EngineOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: { backend: { type: 'string', default: 'auto' }, threads: { type: 'string', default: '0' } },
    strict: true,
  });
  return { backend: parseBackend(values.backend), threads: parseThreads(values.threads) };
}

/** Validates a backend request string. */
export function parseBackend(value: string | undefined): EngineOptions['backend'] {
  const v = value ?? 'auto';
  if (!isBackendRequest(v)) {
    throw new LongtailError(ErrorCode.InvalidOption, `--backend must be one of auto, gpu, webgpu, native, wasm, cpu (got '${v}')`);
  }
  return v;
}

/** Validates a thread count (0 = one per core). */
export function parseThreads(value: string | undefined): number {
  const n = Number(value ?? '0');
  if (!Number.isInteger(n) || n < 0 || n > 256) {
    throw new LongtailError(ErrorCode.InvalidOption, `--threads must be an integer from 0 to 256 (got '${value}')`);
  }
  return n;
}
