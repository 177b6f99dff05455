/**
 * How a loss is declared in the registry: its name, its numeric options (with defaults and ranges) and
 * a factory. Option values are checked here, once, with messages that name the loss and the range.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { LossName, TrainingLoss } from './trainingLoss';

/** One numeric option of a loss. */
export interface LossOptionSpec {
  readonly name: string;
  readonly default: number;
  /** Inclusive lower bound (exclusive when `minExclusive`). */
  readonly min: number;
  readonly minExclusive?: boolean;
  /** Inclusive upper bound (exclusive when `maxExclusive`). */
  readonly max: number;
  readonly maxExclusive?: boolean;
  readonly integer?: boolean;
  readonly description: string;
}

/** A registered loss. */
export interface LossDefinition {
  readonly name: LossName;
  /** One line for help texts. */
  readonly summary: string;
  readonly options: readonly LossOptionSpec[];
  /** Builds the loss from resolved options (every option present and in range) and training counts [C]. */
  create(options: Readonly<Record<string, number>>, classCounts: readonly number[]): TrainingLoss;
}

function range(spec: LossOptionSpec): string {
  return `${spec.minExclusive ? '(' : '['}${spec.min}, ${spec.max}${spec.maxExclusive ? ')' : ']'}`;
}

/**
 * Fills defaults and checks every option: unknown names, non-finite values, out-of-range or non-integer
 * values throw {@link ErrorCode.InvalidOption} naming the loss and the allowed options.
 */
export function resolveLossOptions(def: LossDefinition, given: Readonly<Record<string, number>>): Record<string, number> {
  const known = new Map(def.options.map((o) => [o.name, o]));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      const list = def.options.length ? def.options.map((o) => o.name).join(', ') : 'none';
      throw new LongtailError(ErrorCode.InvalidOption, `loss '${def.name}' has no option '${key}' (its options: ${list})`);
    }
  }
  const out: Record<string, number> = {};
  for (const spec of def.options) {
    const v = given[spec.name] ?? spec.default;
    const below = spec.minExclusive ? v <= spec.min : v < spec.min;
    const above = spec.maxExclusive ? v >= spec.max : v > spec.max;
    if (typeof v !== 'number' || !Number.isFinite(v) || below || above || (spec.integer && !Number.isInteger(v))) {
      throw new LongtailError(
        ErrorCode.InvalidOption,
        `loss '${def.name}': option '${spec.name}' must be ${spec.integer ? 'an integer' : 'a number'} in ${range(spec)} (got ${String(v)}); ${spec.description}`,
      );
    }
    out[spec.name] = v;
  }
  return out;
}
