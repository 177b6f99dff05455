/** The resolve step of fine-tuning: every numeric and enumerated parameter with its default, checked. */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { FineTuneLrSchedule, FineTuneOptimizer, FineTuneParams, FineTuneSampler, FineTuneScope } from '../../protocol/fineTuneParams';

/** Every parameter with its default filled in and checked. */
export interface ResolvedFineTuneSettings {
  readonly epochs: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly lrSchedule: FineTuneLrSchedule;
  readonly optimizer: FineTuneOptimizer;
  readonly weightDecay: number;
  readonly scope: FineTuneScope;
  /** Hidden width H of the adapter (scope `adapter`); null = min(D, 256). */
  readonly adapterWidth: number | null;
  readonly sampler: FineTuneSampler;
  readonly seed: number;
}

/** An {@link ErrorCode.InvalidOption} error (a fine-tuning parameter the user gave is wrong). */
export function invalidFineTuneOption(message: string): LongtailError {
  return new LongtailError(ErrorCode.InvalidOption, message);
}

/** Fills defaults and validates the numeric and enumerated parameters ({@link ErrorCode.InvalidOption}). */
export function resolveFineTuneSettings(params: FineTuneParams): ResolvedFineTuneSettings {
  const invalid = invalidFineTuneOption;
  const optimizer = params.optimizer ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw invalid(`optimizer must be sgd or adam (got '${String(optimizer)}')`);
  const scope = params.scope ?? 'head';
  if (scope !== 'head' && scope !== 'adapter' && scope !== 'last-block' && scope !== 'all') throw invalid(`scope must be head, adapter, last-block or all (got '${String(scope)}')`);
  if (params.adapterWidth !== undefined && scope !== 'adapter') throw invalid(`the adapter width applies to --scope adapter only (scope is ${scope})`);
  const lrSchedule = params.lrSchedule ?? 'constant';
  if (lrSchedule !== 'constant' && lrSchedule !== 'cosine') throw invalid(`learning-rate schedule must be constant or cosine (got '${String(lrSchedule)}')`);
  const sampler = params.sampler ?? 'instance';
  if (sampler !== 'instance' && sampler !== 'class-balanced') throw invalid(`sampler must be instance or class-balanced (got '${String(sampler)}')`);
  const int = (name: string, v: number | undefined, def: number, min: number, max: number): number => {
    const x = v ?? def;
    if (!Number.isInteger(x) || x < min || x > max) throw invalid(`${name} must be an integer from ${min} to ${max} (got ${String(x)})`);
    return x;
  };
  const real = (name: string, v: number | undefined, def: number, min: number, max: number, minExclusive: boolean): number => {
    const x = v ?? def;
    if (typeof x !== 'number' || !Number.isFinite(x) || x > max || (minExclusive ? x <= min : x < min)) {
      throw invalid(`${name} must be a number in ${minExclusive ? '(' : '['}${min}, ${max}] (got ${String(x)})`);
    }
    return x;
  };
  return {
    epochs: int('epochs', params.epochs, 10, 1, 100_000),
    learningRate: real('learning rate', params.learningRate, optimizer === 'sgd' ? 0.01 : 0.001, 0, 100, true),
    batchSize: int('batch size', params.batchSize, 128, 1, 1 << 20),
    lrSchedule,
    optimizer,
    weightDecay: real('weight decay', params.weightDecay, 0, 0, 1, false),
    scope,
    adapterWidth: params.adapterWidth === undefined ? null : int('adapter width', params.adapterWidth, 0, 1, 4096),
    sampler,
    seed: int('seed', params.seed, 0, 0, 2 ** 32 - 1),
  };
}
