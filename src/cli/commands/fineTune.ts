/** `longtail finetune`: fine-tunes a checkpoint with a long-tail loss into a new output folder. */
import { parseArgs } from 'node:util';
import type { FineTuneLrSchedule, FineTuneOptimizer, FineTuneParams, FineTuneResult, FineTuneSampler, FineTuneScope } from '../../protocol/fineTuneParams';
import type { CancellationSignal } from '../../protocol/progress';
import { lossNames } from '../../engine/losses/lossRegistry';
import type { CliIo } from '../cli';
import { commonOptions, engineFromOptions } from '../commonOptions';
import { preprocessingFlags, preprocessingUsage, parsePreprocessingFlags } from '../preprocessingFlags';
import { UsageError } from '../usageError';

/** Usage text of `longtail finetune`. */
export const fineTuneUsage = `Usage: longtail finetune --model M --train T [--eval E] --loss L --out DIR [options]

  --model <path>          LayersModel model.json (or its folder), an .onnx model (head or adapter scope), or a classifier
                          head (.npz/.safetensors/.pth) with feature data
  --train <path>          training data (raw inputs for a model, features for a head)
  --eval <path>           evaluation data for per-epoch metrics and report.json (default: the training data)
  --loss <name>           ${lossNames.join(' | ')}
                          elm is reconstructed from the paper's abstract and the methods notes (docs/methods.md §1),
                          not the authors' code; in --scope head its embedding term has no gradient path and
                          the run equals la
  --tau <x>               τ of la / elm (same as --loss-option tau=x)
  --loss-option <k=v>     a numeric loss option, repeatable (e.g. maxMargin=0.3, beta=0.999, lambda=0.5)
  --epochs <n>            default 10
  --lr <x>                learning rate (default 0.01 for sgd, 0.001 for adam)
  --batch-size <n>        default 128
  --lr-schedule <s>       constant | cosine (lr·½(1 + cos(π t/T)) over all steps)   (default constant)
  --optimizer <o>         sgd (momentum 0.9) | adam            (default sgd)
  --weight-decay <x>      PyTorch-style weight decay λ          (default 0)
  --scope <s>             head | adapter | last-block | all     (default head)
                          adapter: a residual adapter z' = z + U·relu(A·z) (U = 0 at the start) trained with the
                          classifier on the frozen embeddings; a head file gets adapter.down.weight A [H, D] and
                          adapter.up.weight U [D, H], a LayersModel three layers before its classifier, an
                          .onnx the adapter and classifier appended to its graph (docs/finetuning.md)
  --adapter-width <n>     hidden width H of the adapter         (default min(D, 256))
  --sampler <s>           instance | class-balanced             (default instance)
  --seed <n>              default 0
  --out <dir>             new output folder (absent or empty): checkpoint, training.json, report.json
  --workspace <dir>       folder holding longtail.json and .longtail/cache (default: current directory)
  --root <dir>            image root of list files and iNaturalist JSON (train and eval; default: the file's folder)
  --head-key <prefix>     which head in a checkpoint with several
  --many <n> --few <n>    bucket thresholds (default 100 / 20)
  --json                  print the result as JSON instead of a summary
${preprocessingUsage}  --backend, --threads, --debug as for every command
`;

function num(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} (got '${value}')`);
  }
  return n;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be ${allowed.join(' or ')} (got '${value}')`);
  return value as T;
}

/** Parses repeated `k=v` loss options. */
export function parseLossOptions(pairs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of pairs) {
    const m = /^([A-Za-z][A-Za-z0-9_]*)=(.+)$/.exec(pair);
    const v = m ? Number(m[2]) : Number.NaN;
    if (!m || !Number.isFinite(v)) throw new UsageError(`--loss-option takes name=number (got '${pair}')`);
    out[m[1]] = v;
  }
  return out;
}

function pct(v: number | null): string {
  return v === null ? '   n/a' : `${(100 * v).toFixed(2).padStart(6)}%`;
}

/** The short human summary printed after fine-tuning. */
export function formatFineTuneSummary(result: FineTuneResult): string {
  const first = result.history[0];
  const last = result.history[result.history.length - 1];
  return [
    `Fine-tuned checkpoint: ${result.checkpointPath}`,
    `  training log ${result.trainingPath}, report ${result.reportPath}`,
    `  loss ${first.loss.toFixed(4)} → ${last.loss.toFixed(4)} over ${result.history.length} epochs`,
    `  balanced error ${pct(result.balancedError)}    top-1 error ${pct(result.top1Error)}`,
    `  accuracy  many ${pct(result.buckets.many)}   medium ${pct(result.buckets.medium)}   few ${pct(result.buckets.few)}`,
    `  post-hoc logit adjustment on top: best τ=${result.bestTau.toFixed(1)} → ${pct(result.bestTauBalancedError)}`,
    ...result.notes.map((note) => `  note: ${note}`),
    `  ${result.seconds.toFixed(1)} s`,
  ].join('\n') + '\n';
}

/** Runs `longtail finetune`. */
export async function runFineTune(argv: string[], io: CliIo, signal: CancellationSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      train: { type: 'string' },
      eval: { type: 'string' },
      loss: { type: 'string' },
      tau: { type: 'string' },
      'loss-option': { type: 'string', multiple: true, default: [] },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      'batch-size': { type: 'string' },
      'lr-schedule': { type: 'string' },
      optimizer: { type: 'string' },
      'weight-decay': { type: 'string' },
      scope: { type: 'string' },
      'adapter-width': { type: 'string' },
      sampler: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      workspace: { type: 'string' },
      root: { type: 'string' },
      'head-key': { type: 'string' },
      many: { type: 'string' },
      few: { type: 'string' },
      json: { type: 'boolean', default: false },
      ...preprocessingFlags,
      ...commonOptions,
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(fineTuneUsage);
    return 0;
  }
  if (!values.model || !values.train || !values.loss || !values.out) {
    throw new UsageError('finetune needs --model, --train, --loss and --out');
  }
  const lossOptions = parseLossOptions(values['loss-option']);
  const tau = num('tau', values.tau, false);
  if (tau !== undefined) lossOptions.tau = tau;
  const params: FineTuneParams = {
    model: values.model,
    train: values.train,
    eval: values.eval,
    loss: values.loss,
    lossOptions,
    epochs: num('epochs', values.epochs, true),
    learningRate: num('lr', values.lr, false),
    batchSize: num('batch-size', values['batch-size'], true),
    lrSchedule: oneOf<FineTuneLrSchedule>('lr-schedule', values['lr-schedule'], ['constant', 'cosine']),
    optimizer: oneOf<FineTuneOptimizer>('optimizer', values.optimizer, ['sgd', 'adam']),
    weightDecay: num('weight-decay', values['weight-decay'], false),
    scope: oneOf<FineTuneScope>('scope', values.scope, ['head', 'adapter', 'last-block', 'all']),
    adapterWidth: num('adapter-width', values['adapter-width'], true),
    sampler: oneOf<FineTuneSampler>('sampler', values.sampler, ['instance', 'class-balanced']),
    seed: num('seed', values.seed, true),
    out: values.out,
    workspace: values.workspace,
    root: values.root,
    headKey: values['head-key'],
    manyThreshold: num('many', values.many, true),
    fewThreshold: num('few', values.few, true),
    preprocessing: parsePreprocessingFlags(values),
    progressToken: 'cli',
  };
  const engine = await engineFromOptions(values);
  let lastLine = 0;
  let lastPhase = '';
  const { result } = await engine.fineTune(params, signal, (s) => {
    const now = Date.now();
    const epochDone = s.message?.includes('balanced error') === true;
    if (epochDone || s.phase !== lastPhase || (now - lastLine > 5000 && s.total)) {
      lastLine = now;
      lastPhase = s.phase;
      const eta = s.etaMs !== null && s.total ? `, ETA ${Math.round(s.etaMs / 1000)}s` : '';
      io.stderr(`${s.phase}${s.message ? `: ${s.message}` : ''}${eta}\n`);
    }
  });
  io.stdout(values.json ? JSON.stringify(result, null, 2) + '\n' : formatFineTuneSummary(result));
  return 0;
}
