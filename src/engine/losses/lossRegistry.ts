/**
 * The fine-tuning losses by name, and {@link createLoss}, the one way to build one from a name, options
 * and training class counts. Every loss lives in its own file with its formula and citation.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { balancedSoftmaxDefinition } from './balancedSoftmax';
import { classBalancedDefinition } from './classBalanced';
import { crossEntropyDefinition } from './crossEntropy';
import { elmDefinition } from './elm';
import { equalizationDefinition } from './equalization';
import { ldamDefinition } from './ldam';
import { ldamDrwDefinition } from './ldamDrw';
import type { LossDefinition } from './lossDefinition';
import { resolveLossOptions } from './lossDefinition';
import { logitAdjustedDefinition } from './logitAdjusted';
import type { LossName, TrainingLoss } from './trainingLoss';

/** Every registered loss, by name. */
export const lossRegistry: Readonly<Record<LossName, LossDefinition>> = {
  ce: crossEntropyDefinition,
  la: logitAdjustedDefinition,
  'balanced-softmax': balancedSoftmaxDefinition,
  ldam: ldamDefinition,
  'ldam-drw': ldamDrwDefinition,
  cb: classBalancedDefinition,
  eql: equalizationDefinition,
  elm: elmDefinition,
};

/** The registered names, in registry order. */
export const lossNames = Object.keys(lossRegistry) as LossName[];

/** True when `name` is a registered loss. */
export function isLossName(name: string): name is LossName {
  return Object.prototype.hasOwnProperty.call(lossRegistry, name);
}

/**
 * Builds a loss. `options` holds numeric options by name (defaults fill the rest); `classCounts` are the
 * training counts n_y, length C ≥ 2, non-negative integers with a positive sum.
 * Throws {@link ErrorCode.InvalidOption} for an unknown name, an unknown option or a value out of range.
 */
export function createLoss(name: string, options: Readonly<Record<string, number>>, classCounts: readonly number[]): TrainingLoss {
  if (!isLossName(name)) {
    throw new LongtailError(ErrorCode.InvalidOption, `unknown loss '${name}'; choose one of ${lossNames.join(', ')}`);
  }
  if (classCounts.length < 2 || classCounts.some((n) => !Number.isInteger(n) || n < 0) || classCounts.every((n) => n === 0)) {
    throw new LongtailError(ErrorCode.InvalidOption, `loss '${name}' needs training counts for at least 2 classes, non-negative integers with a positive sum`);
  }
  const def = lossRegistry[name];
  return def.create(resolveLossOptions(def, options), classCounts);
}
