/**
 * `longtail make-lt`: writes a long-tailed subset index of a dataset's training split
 * (`{source, split, profile, ratio, seed, nMax, counts, indices}`, see src/engine/data/makeLongTail.ts).
 * The index file can be given anywhere a dataset is. The output is written atomically (temp file +
 * link/rename in the same directory) and never overwrites an existing file (OUTPUT_EXISTS).
 */
import { promises as fsp } from 'node:fs';
import { parseArgs } from 'node:util';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal } from '../../protocol/progress';
import type { LongTailProfile } from '../../engine/data/makeLongTail';
import { makeLongTailSubset } from '../../engine/data/makeLongTailSubset';
import type { DatasetSplit } from '../../engine/data/openDataset';
import type { CliIo } from '../cli';
import { UsageError } from '../usageError';

/** Help text for `longtail make-lt`. */
export const makeLtUsage = `Usage: longtail make-lt --dataset <path> --ratio <R> --out <file.json> [options]

Writes a long-tailed subset index of the dataset's training split: class i keeps
floor(n_max * (1/R)^(i/(C-1))) examples (exp) or n_max / floor(n_max/R) (step, half and half),
chosen with a seeded generator. The index file is accepted anywhere a dataset is.

Options:
  --dataset <path>     Dataset file or directory (for a directory with splits, see --split)
  --ratio <R>          Imbalance ratio n_max / n_min, >= 1 (e.g. 100)
  --profile <p>        exp | step                              (default: exp)
  --seed <n>           Integer seed                            (default: 0)
  --n-max <n>          Head-class count                        (default: floor(N / C))
  --split <s>          train | test, for directories with splits (default: train)
  --out <file.json>    Output file; must not exist
  -h, --help           Show this help
`;

function integer(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer >= ${min} (got '${value}')`);
  }
  return n;
}

/** Runs `longtail make-lt` with `argv` (after the command name); returns the exit code. */
export async function runMakeLt(argv: string[], io: CliIo, signal: CancellationSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      ratio: { type: 'string' },
      profile: { type: 'string', default: 'exp' },
      seed: { type: 'string', default: '0' },
      'n-max': { type: 'string' },
      split: { type: 'string', default: 'train' },
      out: { type: 'string' },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(makeLtUsage);
    return 0;
  }
  for (const name of ['dataset', 'ratio', 'out'] as const) {
    if (values[name] === undefined || values[name] === '') {
      throw new UsageError(`make-lt needs --${name}`);
    }
  }
  const dataset = values.dataset as string;
  const out = values.out as string;
  const ratio = Number(values.ratio);
  if (!Number.isFinite(ratio) || ratio < 1) {
    throw new UsageError(`--ratio must be a number >= 1 (got '${values.ratio}')`);
  }
  const profile = values.profile as LongTailProfile;
  if (profile !== 'exp' && profile !== 'step') {
    throw new UsageError(`--profile must be exp or step (got '${values.profile}')`);
  }
  const split = values.split as DatasetSplit;
  if (split !== 'train' && split !== 'test') {
    throw new UsageError(`--split must be train or test (got '${values.split}')`);
  }
  const seed = integer('seed', values.seed as string, -(2 ** 31));
  const nMax = values['n-max'] === undefined ? undefined : integer('n-max', values['n-max'], 1);
  if (await fsp.stat(out).then(() => true, () => false)) {
    throw new LongtailError(ErrorCode.OutputExists, `${out}: already exists; choose another --out or remove it`, { file: out });
  }

  const { index, format, of, numClasses } = await makeLongTailSubset(dataset, out, { ratio, profile, seed, nMax, split, signal });
  io.stdout(
    JSON.stringify({ out, source: dataset, format, examples: index.indices.length, of, numClasses, profile, ratio, seed, nMax: index.nMax, counts: index.counts }) + '\n',
  );
  return 0;
}
