/** Options every `longtail` command accepts, and the engine they configure. */
import { Engine } from '../engine/engine';
import { parseBackend, parseThreads } from '../engine/engineArgs';

/** `--backend`, `--threads`, `--debug`, `-h/--help`, in node:util parseArgs form. */
export const commonOptions = {
  backend: { type: 'string', default: 'auto' },
  threads: { type: 'string', default: '0' },
  debug: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Starts the engine with the parsed `--backend` and `--threads`. */
export function engineFromOptions(values: { backend?: string; threads?: string }): Promise<Engine> {
  return Engine.create({ backend: parseBackend(values.backend), threads: parseThreads(values.threads) });
}
