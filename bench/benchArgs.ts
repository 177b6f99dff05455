/** Helpers shared by the bench scripts (validate.ts, adapterElm.ts): a `--name value` argument and tail tightness. */
import type { Report } from '../src/protocol/report';

/** The value after `--name` on the command line, if given. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * Mean resultant length R̄ (docs/methods.md §1.4) over the `k` classes with the fewest training examples: higher
 * means tighter tail embeddings. Null when the report has no tightness.
 */
export function tailTightness(report: Report, k = 3): number | null {
  const tail = [...report.classes].sort((a, b) => a.trainCount - b.trainCount || a.index - b.index).slice(0, k);
  const values = tail.map((c) => c.tightness?.resultantLength).filter((v): v is number => typeof v === 'number');
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}
