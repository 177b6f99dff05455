/** `longtail analyse`: computes the diagnostics of a checkpoint on an eval set and writes report.json. */
import { parseArgs } from 'node:util';
import { maxConfusionMatrixLimit } from '../../engine/analysis/buildReport';
import { maxUmapPoints } from '../../engine/analysis/umapProjection';
import type { AnalyseParams, AnalyseResult } from '../../protocol/analysisParams';
import type { CancellationSignal } from '../../protocol/progress';
import { bucketNames, type HeldOutChoice, type Interval, type PostHocSweep, type Report } from '../../protocol/report';
import type { CliIo } from '../cli';
import { commonOptions, engineFromOptions } from '../commonOptions';
import { preprocessingFlags, preprocessingUsage, parsePreprocessingFlags } from '../preprocessingFlags';
import { UsageError } from '../usageError';

/** Usage text of `longtail analyse`. */
export const analyseUsage = `Usage: longtail analyse [--model M] --eval E [--train T | --class-counts F] [options]

  --model <path>          model.json (LayersModel/GraphModel), .onnx, SavedModel folder, or a head (.npz/.safetensors/.npy, PyTorch .pth/.pt/.ckpt state dict)
                          without --model, E (.npz/.safetensors) must hold 'logits' [N, C] and 'labels' [N]: everything that needs
                          no weights or embeddings is reported (no weight norms, tightness, τ-normalisation or projection);
                          with --model, logits stored in E must match the model's within 1e-3·max(1, |stored|)
  --eval <path>           evaluation data: IDX/CIFAR folder or file, image folder, list file, iNat JSON, .npz/.safetensors (or shards: f-00000-of-00008.npz, 'f-*.npz', {"shards": [...]}), subset JSON
  --train <path>          training data (only its labels are read, for class counts); default: the eval folder's training split
  --class-counts <file>   class counts as a JSON array or .npy (instead of --train)
  --class-names <file>    class names as a JSON array (or one per line)
  --root <dir>            image root of list files and iNaturalist JSON (eval and train; default: the file's folder)
  --report <file>         write report.json here (default: a new folder .longtail/runs/<time>/)
  --workspace <dir>       folder holding longtail.json, .longtail/runs and .longtail/cache (default: current directory)
  --head-key <prefix>     which head in a checkpoint with several (e.g. fc, module.classifier)
  --embedding-node <name> GraphModel: the node whose output is the embedding
  --batch-size <n>        forward-pass batch size (default 256)
  --many <n> --few <n>    bucket thresholds (many if count > n, few if count < n; default 100 / 20)
  --confusion-limit <n>   store the full confusion matrix up to this many classes (default 100, at most 2000)
  --examples-per-class <n>  most confident mistakes kept per class and per top confusion for the drill-down
                          (default 8, 0 to 64)
  --umap-points <n>       UMAP of the eval embeddings next to the PCA over a stratified sample of at most n
                          (default 5000, at most 20000; 0 = no UMAP; a few seconds at 5000)
  --val-split <f>         hold out this fraction of each class's eval examples to choose post-hoc τ, and report
                          that τ on the rest (default 0.2; 0 = off; the sweeps' best τ on all of eval is an oracle)
  --seed <n>              seed of the held-out split (default 0)
  --json                  print the result as JSON instead of a summary
  --no-probe              skip the preprocessing probe (image inputs with a model: accuracy on a seeded stratified
                          sample of 512 eval examples under the configured preprocessing and each preset —
                          [0, 1], ImageNet, CIFAR-10, the training set's mean/std; a line when one is clearly better)
${preprocessingUsage}  --backend, --threads, --debug as for every command
`;


function intOption(name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`} (got '${value}')`);
  }
  return n;
}

function fractionOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const f = Number(value);
  if (value.trim() === '' || !(f >= 0 && f < 1)) throw new UsageError(`--${name} must be a number in [0, 1) (got '${value}')`);
  return f;
}

function pct(v: number | null): string {
  return v === null ? '   n/a' : `${(100 * v).toFixed(2).padStart(6)}%`;
}

/** τ to one decimal, marked when it sits on the grid's upper edge (a larger τ might be better still). */
function tauText(tau: number, atEdge: boolean | undefined): string {
  return `τ=${tau.toFixed(1)}${atEdge ? ' (grid edge: larger τ untested)' : ''}`;
}

/** One post-hoc sweep's line: τ = 1 (or τ = 0), and the oracle best τ, chosen on this same eval set. */
function sweepLine(label: string, sweep: PostHocSweep, at: number): string {
  const k = sweep.taus.indexOf(at);
  const fixed = k >= 0 ? `τ=${at} → ${pct(sweep.balancedError[k])}; ` : '';
  return `  ${label}: ${fixed}oracle best ${tauText(sweep.bestTau, sweep.bestAtGridEdge)} → ${pct(sweep.bestBalancedError)}`;
}

/** The held-out τ of one method, reported on the test part. */
function choiceText(label: string, choice: HeldOutChoice | null): string | null {
  return choice ? `${label} ${tauText(choice.tau, choice.atGridEdge)} → ${pct(choice.testBalancedError)}` : null;
}

/** A 95% interval of a rate, in percent: " (95% CI 18.10 to 19.72)"; empty when absent. */
function ci(v: Interval | null | undefined): string {
  return v ? ` (95% CI ${(100 * v.lo).toFixed(2)} to ${(100 * v.hi).toFixed(2)})` : '';
}

/** The preprocessing a report records, in one line (`scale unit, mean [0.286], std [0.353]`). */
export function preprocessingText(p: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(p).map(([k, v]) => `${k} ${Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
  return parts.length ? parts.join(', ') : 'none (inputs used as stored)';
}

/** The preprocessing probe's hint and its figures, when it suggests a preset (nothing otherwise). */
function probeLines(report: Report): string[] {
  const probe = report.preprocessingProbe;
  if (!probe || !probe.hint) return [];
  const figures = probe.entries.map((e) => `${e.preset} ${(100 * e.accuracy).toFixed(1)}%`).join(', ');
  return [`  ${probe.hint}`, `    probe accuracy on ${probe.sampleSize} eval examples: ${figures}`];
}

/** For class-named image folders: which folder became which class, and a warning when only sort order decided it. */
function classOrderLines(report: Report): string[] {
  const order = report.data.eval.classOrder;
  if (!order) return [];
  const shown = order.folders.slice(0, 6).map((f, k) => `${k}=${f ?? '(none)'}`).join(', ') + (order.folders.length > 6 ? ', …' : '');
  return order.convention === 'by-name'
    ? [`  classes: image folders matched to the class names by name (${shown})`]
    : [`  classes: image folders in sorted order, torchvision ImageFolder's convention (${shown}); if the model was trained in another class order, give --class-names so folders are matched by name`];
}

/** The short human summary printed after an analysis. */
export function formatSummary(report: Report, result: AnalyseResult): string {
  const s = report.summary;
  const iv = s.intervals ?? null;
  const la = report.postHoc.logitAdjustment;
  const tn = report.postHoc.tauNormalisation;
  const tb = report.postHoc.tauNormalisationWithBias ?? null;
  const sel = report.postHoc.selection ?? null;
  const atOne = la.balancedError[la.taus.indexOf(1)] ?? null;
  const gain = atOne === null ? null : s.balancedError - atOne;
  const gainCi = iv && iv.logitAdjustmentGain.tau === 1 ? iv.logitAdjustmentGain.interval : null;
  const lines = [
    `Long-Tail Lens report: ${result.reportPath}`,
    `  ${s.evalExamples} eval examples, ${s.numClasses} classes (${s.buckets.many.classes} many / ${s.buckets.medium.classes} medium / ${s.buckets.few.classes} few)${result.fromCache ? ', embeddings from cache' : ''}`,
    `  balanced error ${pct(s.balancedError)}${ci(iv?.balancedError)}    top-1 error ${pct(s.top1Error)}${s.top5Accuracy !== undefined && s.top5Accuracy !== null ? `    top-5 accuracy ${pct(s.top5Accuracy)}` : ''}`,
    `  accuracy  many ${pct(s.buckets.many.accuracy)}${ci(iv?.buckets.many)}   medium ${pct(s.buckets.medium.accuracy)}${ci(iv?.buckets.medium)}   few ${pct(s.buckets.few.accuracy)}${ci(iv?.buckets.few)}`,
    ...(report.model.format.startsWith('logits stored') ? [`  model: ${report.model.format}`] : []),
    `  preprocessing: ${preprocessingText(report.preprocessing)}`,
    ...probeLines(report),
    ...classOrderLines(report),
    `  post-hoc logit adjustment: τ=1 → balanced error ${pct(atOne)}${gain === null ? '' : `, gain ${gain >= 0 ? '+' : ''}${(gain * 100).toFixed(2)} points over raw${ci(gainCi)}`}; oracle best ${tauText(la.bestTau, la.bestAtGridEdge)} → ${pct(la.bestBalancedError)}`,
  ];
  if (tn) {
    lines.push(sweepLine(`τ-normalisation, bias dropped (Kang et al.${tb ? '; τ=0 is not the model as is' : ''})`, tn, 1));
  }
  if (tb) {
    lines.push(sweepLine('τ-normalisation, bias kept (τ=0 is the model as is)', tb, 1));
  }
  if (sel) {
    lines.push(
      `  τ chosen on ${sel.valExamples} held-out eval examples (${Math.round(sel.valFraction * 100)}% of each class, seed ${sel.seed}), reported on the other ${sel.testExamples}:`,
      `    model as is ${pct(sel.testBalancedError)}; ` +
        [choiceText('logit adjustment', sel.logitAdjustment), choiceText('τ-norm no bias', sel.tauNormalisation), choiceText('τ-norm with bias', sel.tauNormalisationWithBias)].filter((t) => t !== null).join('; '),
    );
  }
  const cal = report.calibration;
  if (cal.perBucket || cal.adjusted) {
    const per = cal.perBucket ? ` (${bucketNames.map((b) => `${b} ${pct(cal.perBucket?.[b]?.ece ?? null).trim()}`).join(', ')})` : '';
    lines.push(`  calibration: ECE ${pct(cal.ece).trim()} as is${per}${cal.adjusted ? `; ${pct(cal.adjusted.ece).trim()} after post-hoc logit adjustment τ=${cal.adjusted.tau}` : ''}`);
  }
  const wn = report.weightNorms && report.weightNorms.pearsonLogCount !== null ? report.weightNorms : null;
  const rs = s.resultantLengthSpearmanLogCount ?? null;
  if (wn || rs !== null) {
    const parts = [];
    if (wn) parts.push(`weight norm vs log count: Pearson ${wn.pearsonLogCount?.toFixed(3) ?? 'n/a'}, Spearman ${wn.spearmanLogCount?.toFixed(3) ?? 'n/a'}`);
    if (rs !== null) parts.push(`embedding R̄ vs log count: Spearman ${rs.toFixed(3)}`);
    lines.push(`  ${parts.join('; ')}`);
  }
  if (iv) {
    lines.push(`  intervals: percentile bootstrap, ${iv.replicates} resamples of the eval examples, seed ${iv.seed}`);
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
      root: { type: 'string' },
      report: { type: 'string' },
      workspace: { type: 'string' },
      'head-key': { type: 'string' },
      'embedding-node': { type: 'string' },
      'batch-size': { type: 'string' },
      many: { type: 'string' },
      few: { type: 'string' },
      'confusion-limit': { type: 'string' },
      'examples-per-class': { type: 'string' },
      'umap-points': { type: 'string' },
      'val-split': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-probe': { type: 'boolean', default: false },
      ...preprocessingFlags,
      ...commonOptions,
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(analyseUsage);
    return 0;
  }
  if (!values.eval) {
    throw new UsageError('analyse needs --eval (and --model, unless the eval file holds logits and labels)');
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
    root: values.root,
    report: values.report,
    workspace: values.workspace,
    headKey: values['head-key'],
    embeddingNode: values['embedding-node'],
    batchSize: intOption('batch-size', values['batch-size'], 1),
    manyThreshold: intOption('many', values.many, 1),
    fewThreshold: intOption('few', values.few, 1),
    confusionMatrixLimit: intOption('confusion-limit', values['confusion-limit'], 2, maxConfusionMatrixLimit),
    examplesPerClass: intOption('examples-per-class', values['examples-per-class'], 0, 64),
    umapPoints: intOption('umap-points', values['umap-points'], 0, maxUmapPoints),
    valFraction: fractionOption('val-split', values['val-split']),
    seed: intOption('seed', values.seed, 0),
    preprocessing: parsePreprocessingFlags(values),
    probe: !values['no-probe'],
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
