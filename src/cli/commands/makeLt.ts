/**
 * `longtail make-lt`: writes a long-tailed subset index of a dataset's training split
 * (`{source, split, profile, ratio, seed, nMax, counts, indices}`, see src/engine/data/makeLongTail.ts).
 * The index file can be given anywhere a dataset is. The output is written atomically (temp file +
 * link/rename in the same directory) and never overwrites an existing file (OUTPUT_EXISTS).
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal } from '../../protocol/progress';
import { throwIfCancelled } from '../../engine/cancellation';
import { fsError } from '../../engine/io/fileAccess';
import { labelsClassCount } from '../../engine/data/labelChecks';
import { makeLongTailIndices, type LongTailProfile, type SubsetIndex } from '../../engine/data/makeLongTail';
import { openDataset, type DatasetSplit } from '../../engine/data/openDataset';
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

/** Writes `text` to `out` atomically, refusing to replace an existing file. */
export async function writeNewFileAtomic(out: string, text: string): Promise<void> {
  const dir = dirname(resolve(out));
  try {
    if (!(await fsp.stat(dir)).isDirectory()) {
      throw new LongtailError(ErrorCode.FileNotFound, `${out}: ${dir} is not a directory`, { file: out });
    }
  } catch (error) {
    throw fsError(error, dir);
  }
  const exists = async (): Promise<boolean> => fsp.stat(out).then(() => true, () => false);
  if (await exists()) {
    throw new LongtailError(ErrorCode.OutputExists, `${out}: already exists; choose another --out or remove it`, { file: out });
  }
  const temp = resolve(dir, `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fsp.writeFile(temp, text, { flag: 'wx' });
    try {
      await fsp.link(temp, out); // fails with EEXIST instead of replacing
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EEXIST') {
        throw new LongtailError(ErrorCode.OutputExists, `${out}: already exists; choose another --out or remove it`, { file: out });
      }
      if (await exists()) {
        throw new LongtailError(ErrorCode.OutputExists, `${out}: already exists; choose another --out or remove it`, { file: out });
      }
      await fsp.rename(temp, out); // file systems without hard links
    }
  } catch (error) {
    throw error instanceof LongtailError ? error : fsError(error, out);
  } finally {
    await fsp.rm(temp, { force: true });
  }
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

  const source = await openDataset(dataset, { split });
  let labels: Int32Array;
  let numClasses: number;
  try {
    labels = await source.readLabels();
    numClasses = source.numClasses ?? labelsClassCount(labels);
  } finally {
    await source.close();
  }
  throwIfCancelled(signal);
  const { counts, indices, nMax: usedNMax } = makeLongTailIndices(labels, numClasses, { ratio, profile, seed, nMax });
  const index: SubsetIndex = {
    source: relative(dirname(resolve(out)), resolve(dataset)).split(sep).join('/') || '.',
    split,
    profile,
    ratio,
    seed,
    nMax: usedNMax,
    counts,
    indices,
  };
  throwIfCancelled(signal);
  await writeNewFileAtomic(out, JSON.stringify(index) + '\n');
  io.stdout(
    JSON.stringify({ out, source: dataset, format: source.format, examples: indices.length, of: labels.length, numClasses, profile, ratio, seed, nMax: usedNMax, counts }) + '\n',
  );
  return 0;
}
