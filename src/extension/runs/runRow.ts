/**
 * One row of the runs table from a validated report (and the training.json that says how the checkpoint
 * was trained). Pure: no file access, no vscode.
 */
import { bucketNames, type Bucket, type Report } from '../../protocol/report';
import type { RunKind, RunMetricId, RunRow } from '../../protocol/runsTable';
import { escapeControls } from '../../protocol/untrustedText';

/** Where a run lives; `folder` and `reportPath` are for display (control and bidi characters escaped). */
export interface RunLocation {
  readonly id: string;
  readonly kind: RunKind;
  readonly folder: string;
  readonly reportPath: string;
}

/** What training.json says about how a checkpoint was trained. */
export interface TrainingInfo {
  readonly loss: string | null;
  readonly scope: string | null;
}

const bucketMetric: Record<Bucket, RunMetricId> = { many: 'manyError', medium: 'mediumError', few: 'fewError' };

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Balanced error of the post-hoc logit-adjusted model at τ = 1: argmax_y f_y − τ log π_y (Menon et al.
 * 2021, eq. 9), read from the stored sweep `postHoc.logitAdjustment` (`taus`, `balancedError`, equal length)
 * at the τ closest to 1 within 1e-9; null when the sweep does not hold τ = 1.
 */
export function laBalancedErrorAtOne(report: Report): number | null {
  const sweep = report.postHoc.logitAdjustment;
  const k = sweep.taus.findIndex((t) => Math.abs(t - 1) < 1e-9);
  return k < 0 ? null : finite(sweep.balancedError[k]);
}

/**
 * The metrics of a report as the table shows them. Bucket error = 1 − bucket accuracy, where a bucket's
 * accuracy is the unweighted mean recall of its classes present in eval (docs/methods.md §2.1); null for a
 * bucket without classes. Balanced error = 1 − mean per-class recall (Menon et al. 2021, eq. 2).
 */
export function runMetricsOf(report: Report): Record<RunMetricId, number | null> {
  const s = report.summary;
  const metrics: Record<RunMetricId, number | null> = {
    balancedError: finite(s.balancedError),
    manyError: null,
    mediumError: null,
    fewError: null,
    top1Error: finite(s.top1Error),
    laBalancedError: laBalancedErrorAtOne(report),
    laHeldOutBalancedError: finite(report.postHoc.selection?.logitAdjustment.testBalancedError),
    ece: finite(report.calibration.ece),
    meanAveragePrecision: finite(s.meanAveragePrecision?.all),
  };
  for (const b of bucketNames) {
    const acc = finite(s.buckets[b].accuracy);
    metrics[bucketMetric[b]] = acc === null ? null : 1 - acc;
  }
  return metrics;
}

/** Every metric null (a row whose report could not be read). */
export function noMetrics(): Record<RunMetricId, number | null> {
  return { balancedError: null, manyError: null, mediumError: null, fewError: null, top1Error: null, laBalancedError: null, laHeldOutBalancedError: null, ece: null, meanAveragePrecision: null };
}

/**
 * Untrusted text from a report as a row shows it: at most `max` characters (then `…`), control, separator
 * and bidi characters escaped. A report may hold a megabyte-long path; every listing posts every row.
 */
function displayText(text: string, max: number): string {
  return escapeControls(text.length > max ? `${text.slice(0, max - 1)}…` : text);
}

/** The row of a run whose report was read and validated. */
export function runRowFromReport(at: RunLocation, report: Report, training: TrainingInfo | null, tags: readonly string[], tagsError: string | null): RunRow {
  return {
    ...at,
    createdAt: displayText(report.createdAt, 64),
    model: displayText(report.model.path, 1024),
    loss: training?.loss ?? null,
    scope: training?.scope ?? null,
    metrics: runMetricsOf(report),
    tags: [...tags],
    error: null,
    tagsError,
  };
}

/** The row of a run whose report could not be read: the one-line reason, no numbers. */
export function invalidRunRow(at: RunLocation, error: string, tags: readonly string[], tagsError: string | null): RunRow {
  return { ...at, createdAt: null, model: null, loss: null, scope: null, metrics: noMetrics(), tags: [...tags], error: oneLine(error), tagsError: tagsError === null ? null : oneLine(tagsError) };
}

/**
 * A message as one line of at most 300 characters (a report's error can quote untrusted text): line
 * breaks become spaces, other control, separator and bidi characters `\uXXXX` (src/protocol/untrustedText.ts).
 */
export function oneLine(text: string): string {
  const line = escapeControls(text.replace(/[\r\n]+/g, ' ').trim());
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

function shortNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/**
 * Loss and scope from a parsed training.json. A fine-tune's file has `loss: { name, options }` and
 * `scope` (src/engine/training/writeFineTuneOutputs.ts); a baseline's (`longtail demo`) has `loss` as a
 * string and no scope. The loss is shown with its numeric options, e.g. `la (tau 1)`, `cb (beta 0.999)`.
 * Anything else gives nulls, never an error: training.json is optional context.
 */
export function trainingInfoOf(json: unknown): TrainingInfo {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { loss: null, scope: null };
  const t = json as { loss?: unknown; scope?: unknown };
  let loss: string | null = null;
  if (typeof t.loss === 'string') loss = t.loss;
  else if (typeof t.loss === 'object' && t.loss !== null) {
    const l = t.loss as { name?: unknown; options?: unknown };
    if (typeof l.name === 'string') {
      const options =
        typeof l.options === 'object' && l.options !== null && !Array.isArray(l.options)
          ? Object.entries(l.options as Record<string, unknown>)
              .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
              .map(([k, v]) => `${k} ${shortNumber(v)}`)
          : [];
      loss = options.length ? `${l.name} (${options.join(', ')})` : l.name;
    }
  }
  const cut = (s: string | null): string | null => (s === null ? null : escapeControls(s.length > 80 ? `${s.slice(0, 79)}…` : s));
  return { loss: cut(loss), scope: cut(typeof t.scope === 'string' ? t.scope : null) };
}
