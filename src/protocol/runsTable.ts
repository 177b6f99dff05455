/**
 * The runs table (webview/runs, host src/extension/runs/runsPanel.ts): one row per run folder under
 * `.longtail/runs/` and `.longtail/finetune/`, the messages between the panel and its webview, and the
 * metrics a row carries for sorting and for the chart over time. Every string in a row that comes from the
 * workspace (folder names, paths, loss and scope from training.json, tags) is untrusted text: the webview
 * shows it with textContent only.
 */

/** A metric of a run that the table shows and the chart can plot. All are fractions in [0, 1]. */
export type RunMetricId =
  | 'balancedError'
  | 'manyError'
  | 'mediumError'
  | 'fewError'
  | 'top1Error'
  | 'laBalancedError'
  | 'laHeldOutBalancedError'
  | 'ece'
  | 'meanAveragePrecision';

/** How a metric is named and where it comes from in report.json (docs/methods.md has the formulas). */
export interface RunMetricInfo {
  readonly id: RunMetricId;
  /** Axis and menu label. */
  readonly label: string;
  /** The report.json field(s) it is read from. */
  readonly source: string;
  /** True when a smaller value is better (every error); false for AP. */
  readonly lowerIsBetter: boolean;
}

/** The metrics in menu order. */
export const runMetrics: readonly RunMetricInfo[] = [
  { id: 'balancedError', label: 'balanced error', source: 'summary.balancedError', lowerIsBetter: true },
  { id: 'manyError', label: 'many-shot error', source: '1 − summary.buckets.many.accuracy', lowerIsBetter: true },
  { id: 'mediumError', label: 'medium-shot error', source: '1 − summary.buckets.medium.accuracy', lowerIsBetter: true },
  { id: 'fewError', label: 'few-shot error', source: '1 − summary.buckets.few.accuracy', lowerIsBetter: true },
  { id: 'top1Error', label: 'top-1 error', source: 'summary.top1Error', lowerIsBetter: true },
  { id: 'laBalancedError', label: 'balanced error after post-hoc LA (τ = 1)', source: 'postHoc.logitAdjustment.balancedError at τ = 1', lowerIsBetter: true },
  { id: 'laHeldOutBalancedError', label: 'balanced error after post-hoc LA (held-out τ)', source: 'postHoc.selection.logitAdjustment.testBalancedError', lowerIsBetter: true },
  { id: 'ece', label: 'expected calibration error', source: 'calibration.ece', lowerIsBetter: true },
  { id: 'meanAveragePrecision', label: 'mean average precision', source: 'summary.meanAveragePrecision.all', lowerIsBetter: false },
];

/** True for a known metric id. */
export function isRunMetricId(value: unknown): value is RunMetricId {
  return typeof value === 'string' && runMetrics.some((m) => m.id === value);
}

/** An ISO 8601 date and time with an explicit zone (`Z` or `±hh:mm`), as the engine writes `createdAt`. */
const zonedIsoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A report's `createdAt` in ms since the epoch, NaN when it is missing or not an ISO 8601 time with a zone.
 * A time without a zone is refused rather than read as the viewer's local time (JavaScript's rule), so
 * the order and the chart do not depend on the machine's time zone.
 */
export function runTimeMs(createdAt: string | null): number {
  return createdAt !== null && zonedIsoTime.test(createdAt) ? Date.parse(createdAt) : NaN;
}

/** Where a run lives: an analysis (`.longtail/runs/<folder>`) or a fine-tune (`.longtail/finetune/<folder>`). */
export type RunKind = 'analysis' | 'finetune';

/** One row of the runs table. */
export interface RunRow {
  /** Stable within one listing: `<workspace index>/<kind>/<folder>`. The webview sends it back; the host maps it to its own paths. */
  readonly id: string;
  readonly kind: RunKind;
  /** The run folder's name (untrusted). */
  readonly folder: string;
  /** The report's path, for display (untrusted). */
  readonly reportPath: string;
  /** `createdAt` of the report (ISO 8601), null for an invalid report. */
  readonly createdAt: string | null;
  /** `model.path` of the report (untrusted), null for an invalid report. */
  readonly model: string | null;
  /** The training loss (from training.json: the fine-tune's, else the checkpoint's), e.g. `la (tau 1)`; null when unknown. */
  readonly loss: string | null;
  /** The fine-tune scope (`head`, `adapter`, `last-block`, `all`) from training.json; null when unknown. */
  readonly scope: string | null;
  /** Every metric, null where the report has none (e.g. no few-shot classes). */
  readonly metrics: Readonly<Record<RunMetricId, number | null>>;
  /** The run's tags (tags.json beside report.json). */
  readonly tags: readonly string[];
  /** One line: why the report could not be read; null when it was read. */
  readonly error: string | null;
  /** One line: why tags.json could not be read (the tags are then empty); null otherwise. */
  readonly tagsError: string | null;
  /** True for a run folder that is a symbolic link: not followed, so nothing is read and no tags are written there. */
  readonly linked?: boolean;
}

/** Host → webview: the whole listing (never a delta). */
export interface RunsShowMessage {
  readonly type: 'runs/show';
  readonly rows: readonly RunRow[];
  /** One line each, shown above the rows: what the listing left out and why (limits, links out of the workspace). */
  readonly notes: readonly string[];
  /** Shown instead of rows (Restricted Mode, no workspace folder). */
  readonly notice: string | null;
}

/** Webview → host: ready for `runs/show`. */
export interface RunsReadyMessage {
  readonly type: 'runs/ready';
}

/** Webview → host: open this run's dashboard. */
export interface RunsOpenMessage {
  readonly type: 'runs/open';
  readonly id: string;
}

/** Webview → host: replace this run's tags (the host validates and writes tags.json). */
export interface RunsSetTagsMessage {
  readonly type: 'runs/setTags';
  readonly id: string;
  readonly tags: readonly string[];
}

/** Any message the runs webview sends. */
export type FromRunsMessage = RunsReadyMessage | RunsOpenMessage | RunsSetTagsMessage;

/**
 * The shape of a run id: `<workspace index>/<kind>/<folder name>` (a name, never a path: no `/`, not `.`
 * or `..`, at most 255 characters as file systems allow). It is only a key into the host's last listing.
 */
const runIdPattern = /^\d{1,4}\/(analysis|finetune)\/(?!\.\.?$)[^/]{1,255}$/;

/** Most tags a `runs/setTags` message may carry, and the longest (the host checks the tags' own limits, 32 × 64). */
const maxMessageTags = 64;
const maxMessageTagLength = 256;

/**
 * Checks a message from the runs webview (it is untrusted: the host acts only on well-formed ones). A
 * message names a run only by its id, which the host looks up in its last listing; it never carries a path.
 */
export function isFromRunsMessage(value: unknown): value is FromRunsMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  const okId = typeof m.id === 'string' && runIdPattern.test(m.id);
  switch (m.type) {
    case 'runs/ready':
      return true;
    case 'runs/open':
      return okId;
    case 'runs/setTags':
      return okId && Array.isArray(m.tags) && m.tags.length <= maxMessageTags && m.tags.every((t) => typeof t === 'string' && t.length <= maxMessageTagLength);
    default:
      return false;
  }
}

/** Checks a message from the host (the webview renders only `runs/show` with rows it can read). */
export function isRunsShowMessage(value: unknown): value is RunsShowMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return m.type === 'runs/show' && Array.isArray(m.rows) && Array.isArray(m.notes) && m.notes.every((n) => typeof n === 'string') && (m.notice === null || typeof m.notice === 'string');
}
