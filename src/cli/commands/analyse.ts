/** `longtail analyse`: computes the diagnostics of a checkpoint on an eval set and writes report.json. */
import { parseArgs } from 'node:util';
import type { AnalyseParams, AnalyseResult } from '../../protocol/analysisParams';
import type { CancellationSignal } from '../../protocol/progress';
import type { Report } from '../../protocol/report';
import type { CliIo } from '../cli';
import { commonOptions, engineFromOptions } from '../commonOptions';
import { preprocessingFlags, preprocessingUsage, parsePreprocessingFlags } from '../preprocessingFlags';
import { UsageError } from '../usageError';

/** Usage text of `longtail analyse`. */
export const analyseUsage = `Usage: longtail analyse --model M --eval E [--train T | --class-counts F] [options]

  --model <path>          model.json (LayersModel/GraphModel), .onnx, SavedModel folder, or a head (.npz/.safetensors/.npy)
  --eval <path>           evaluation data: IDX/CIFAR folder or file, image folder, list file, iNat JSON, .npz/.safetensors, subset JSON
  --train <path>          training data (only its labels are read, for class counts); default: the eval folder's training split
  --class-counts <file>   class counts as a JSON array or .npy (instead of --train)
  --class-names <file>    class names as a JSON array (or one per line)
  --report <file>         write report.json here (default: a new folder .longtail/runs/<time>/)
  --workspace <dir>       folder holding longtail.json, .longtail/runs and .longtail/cache (default: current directory)
  --head-key <prefix>     which head in a checkpoint with several (e.g. fc, module.classifier)
  --embedding-node <name> GraphModel: the node whose output is the embedding
  --batch-size <n>        forward-pass batch size (default 256)
  --many <n> --few <n>    bucket thresholds (many if count > n, few if count < n; default 100 / 20)
  --confusion-limit <n>   store the full confusion matrix up to this many classes (default 100)
  --json                  print the result as JSON instead of a summary
${preprocessingUsage}  --backend, --threads, --debug as for every command
`;

function intOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min} (got '${value}')`);
  return n;
}

function pct(v: number | null): string {
  return v === null ? '   n/a' : `${(100 * v).toFixed(2).padStart(6)}%`;
}

/** The short human summary printed after an analysis. */
export function formatSummary(report: Report, result: AnalyseResult): string {
  const s = report.summary;
  const la = report.postHoc.logitAdjustment;
  const tn = report.postHoc.tauNormalisation;
  const atOne = la.balancedError[la.taus.indexOf(1)] ?? null;
  const lines = [
    `Long-Tail Lens report: ${result.reportPath}`,
    `  ${s.evalExamples} eval examples, ${s.numClasses} classes (${s.buckets.many.classes} many / ${s.buckets.medium.classes} medium / ${s.buckets.few.classes} few)${result.fromCache ? ', embeddings from cache' : ''}`,
    `  balanced error ${pct(s.balancedError)}    top-1 error ${pct(s.top1Error)}`,
    `  accuracy  many ${pct(s.buckets.many.accuracy)}   medium ${pct(s.buckets.medium.accuracy)}   few ${pct(s.buckets.few.accuracy)}`,
    `  post-hoc logit adjustment: τ=1 → balanced error ${pct(atOne)}; best τ=${la.bestTau.toFixed(1)} → ${pct(la.bestBalancedError)} (${((s.balancedError - la.bestBalancedError) * 100).toFixed(2)} points better than raw)`,
  ];
  if (tn) {
    lines.push(`  τ-normalisation: best τ=${tn.bestTau.toFixed(1)} → balanced error ${pct(tn.bestBalancedError)}`);
  }
  if (report.weightNorms && report.weightNorms.pearsonLogCount !== null) {
    lines.push(`  weight norm vs log count: Pearson ${report.weightNorms.pearsonLogCount.toFixed(3)}, Spearman ${report.weightNorms.spearmanLogCount?.toFixed(3) ?? 'n/a'}`);
  }
  lines.push(`  ${result.seconds.toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

/** Runs `longtail analyse`. */
export async function runAnalyse(argv: string[], io: CliIo, signal: CancellationSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      eval: { type: 'string' },
      train: { type: 'string' },
      'class-counts': { type: 'string' },
      'class-names': { type: 'string' },
      report: { type: 'string' },
      workspace: { type: 'string' },
      'head-key': { type: 'string' },
      'embedding-node': { type: 'string' },
      'batch-size': { type: 'string' },
      many: { type: 'string' },
      few: { type: 'string' },
      'confusion-limit': { type: 'string' },
      json: { type: 'boolean', default: false },
      ...preprocessingFlags,
      ...commonOptions,
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(analyseUsage);
    return 0;
  }
  if (!values.model || !values.eval) {
    throw new UsageError('analyse needs --model and --eval');
  }
  if (values.train && values['class-counts']) {
    throw new UsageError('give either --train or --class-counts, not both');
  }
  const params: AnalyseParams = {
    model: values.model,
    eval: values.eval,
    train: values.train,
    classCounts: values['class-counts'],
    classNames: values['class-names'],
    report: values.report,
    workspace: values.workspace,
    headKey: values['head-key'],
    embeddingNode: values['embedding-node'],
    batchSize: intOption('batch-size', values['batch-size'], 1),
    manyThreshold: intOption('many', values.many, 1),
    fewThreshold: intOption('few', values.few, 1),
    confusionMatrixLimit: intOption('confusion-limit', values['confusion-limit'], 2),
    preprocessing: parsePreprocessingFlags(values),
    progressToken: 'cli',
  };
  const engine = await engineFromOptions(values);
  let lastLine = 0;
  const { report, result } = await engine.analyse(params, signal, (s) => {
    const now = Date.now();
    if (io.progress && now - lastLine > 1000 && s.total) {
      lastLine = now;
      io.stderr(`${s.phase}: ${s.done}/${s.total}${s.etaMs !== null ? `, ETA ${Math.round(s.etaMs / 1000)}s` : ''}\n`);
    }
  });
  io.stdout(values.json ? JSON.stringify(result, null, 2) + '\n' : formatSummary(report, result));
  return 0;
}
