/**
 * Messages between the extension host and its webviews, one section per panel. Each direction is a
 * discriminated union on a string `type` (`area/verb`, readable in devtools). Handshake: the webview sends
 * `…/ready` first; the host never posts state before it and answers with the full state (never a delta).
 */
import type { Report } from './report';

// ---------------------------------------------------------------------------------------------------
// Dashboard (webview/dashboard, dist/webview/dashboard.js)
// ---------------------------------------------------------------------------------------------------

/** The dashboard's sections, in tab order. `compare` exists only when a second report is shown. */
export const dashboardTabs = ['overview', 'weights', 'embeddings', 'confusion', 'postHoc', 'classes', 'compare'] as const;

/** One dashboard section. */
export type DashboardTab = (typeof dashboardTabs)[number];

/**
 * How the dashboard lays out its sections: `tabs` (the VS Code panel, one section at a time) or
 * `standalone` (the self-contained HTML report: all sections stacked on one printable page).
 */
export type DashboardLayout = 'tabs' | 'standalone';

/** Webview → host, sent once the script has loaded and its listener is installed. */
export interface DashboardReadyMessage {
  readonly type: 'dashboard/ready';
}

/** Webview → host: save this CSV (the host shows a save dialog and answers with `dashboard/didExportCsv`). */
export interface DashboardExportCsvMessage {
  readonly type: 'dashboard/exportCsv';
  /** A file name to propose (no directory; already stripped of path separators by the webview). */
  readonly suggestedName: string;
  /** The whole file, RFC 4180 (CRLF line ends), header row first. */
  readonly csv: string;
  /** Data rows in `csv` (for the host's confirmation message). */
  readonly rows: number;
}

/** Everything the dashboard webview sends to the host. */
/** The drill-down asks for eval examples by index (thumbnails and files come from the engine via the host). */
export interface DashboardRequestExamplesMessage {
  readonly type: 'dashboard/requestExamples';
  /** Echoed in the answer. */
  readonly requestId: number;
  /** Eval indices, at most {@link maxDrillDownExamples}. */
  readonly indices: readonly number[];
}

/** Opens or reveals an image file the host handed out for this panel (any other path is refused). */
export interface DashboardOpenExampleMessage {
  readonly type: 'dashboard/openExample';
  readonly file: string;
  readonly action: 'open' | 'reveal';
}

/**
 * Thumbnails embedded in a standalone HTML report (`<script type="application/json" id="longtail-thumbnails">`):
 * PNG data URIs by eval index, for the report's top examples within {@link standaloneThumbnailBudget}.
 */
export interface StandaloneThumbnails {
  readonly isFeatures: boolean;
  /** Longest side of each thumbnail, px. */
  readonly maxSide: number;
  readonly thumbnails: Readonly<Record<string, string>>;
}

/** Size budget of a standalone report's embedded thumbnails: 2 MiB of data URIs in all. */
export const standaloneThumbnailBudget = 2 * 1024 * 1024;

/** Longest side of a standalone report's thumbnails, px. */
export const standaloneThumbnailSide = 48;

/** Most eval indices one drill-down request may carry (as the engine's `data/examples`). */
export const maxDrillDownExamples = 64;

export type FromDashboardMessage = DashboardReadyMessage | DashboardExportCsvMessage | DashboardRequestExamplesMessage | DashboardOpenExampleMessage;

/**
 * Which report files a dashboard panel shows. The host sends it with every report; the webview keeps it
 * in its persisted state (`setState`), and VS Code hands that state back to the panel serializer after
 * a window reload, so each restored panel reopens its own report.
 */
export interface DashboardInput {
  /** Absolute path of the report.json shown ("before" when comparing). */
  readonly reportPath: string;
  /** Absolute path of the second report ("after"), when comparing. */
  readonly comparePath?: string;
}

/** Host → webview: the report to render (the full state; replaces whatever was shown). */
export interface DashboardShowReportMessage {
  readonly type: 'dashboard/showReport';
  readonly report: Report;
  /** An optional second report shown as "after" in the compare section (`report` is "before"). */
  readonly compare?: Report | null;
  /** Short label for the report, e.g. its file name (shown as text). */
  readonly title?: string;
  /** The files shown, for the webview to persist (absent in the standalone HTML report). */
  readonly input?: DashboardInput;
}

/** Host → webview: the outcome of a `dashboard/exportCsv`. */
export interface DashboardDidExportCsvMessage {
  readonly type: 'dashboard/didExportCsv';
  /** `saved`, `cancelled` by the user in the save dialog, or `failed`. */
  readonly outcome: 'saved' | 'cancelled' | 'failed';
  /** The written path (when saved) or a one-line error (when failed); shown as text. */
  readonly detail?: string;
}

/** Host → webview: the report could not be loaded; the webview shows the message as text. */
export interface DashboardShowErrorMessage {
  readonly type: 'dashboard/showError';
  /** One line, safe to show as plain text. */
  readonly message: string;
}

/** Everything the host sends to the dashboard webview. */
/** One eval example for the drill-down. */
export interface DashboardExample {
  readonly index: number;
  readonly label: number;
  /** A PNG `data:` URI, or null (feature datasets, or unavailable). */
  readonly thumbnail: string | null;
  /** The image file (image folders, lists, iNat), or null. */
  readonly file: string | null;
}

/** The answer to {@link DashboardRequestExamplesMessage}. */
export interface DashboardExamplesMessage {
  readonly type: 'dashboard/examples';
  readonly requestId: number;
  readonly examples: readonly DashboardExample[];
  /** True for feature datasets (no thumbnails by design). */
  readonly isFeatures: boolean;
  /** Why no examples could be read (one line), when so. */
  readonly error?: string;
}

export type ToDashboardMessage = DashboardShowReportMessage | DashboardDidExportCsvMessage | DashboardShowErrorMessage | DashboardExamplesMessage;

const fromDashboardTypes: ReadonlySet<string> = new Set<FromDashboardMessage['type']>(['dashboard/ready', 'dashboard/exportCsv', 'dashboard/requestExamples', 'dashboard/openExample']);
const toDashboardTypes: ReadonlySet<string> = new Set<ToDashboardMessage['type']>([
  'dashboard/showReport',
  'dashboard/didExportCsv',
  'dashboard/showError',
  'dashboard/examples',
]);

/** Type guard the host applies to whatever a webview posts (webview content is not trusted blindly). */
export function isFromDashboardMessage(value: unknown): value is FromDashboardMessage {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as { type?: unknown; suggestedName?: unknown; csv?: unknown; rows?: unknown };
  if (typeof v.type !== 'string' || !fromDashboardTypes.has(v.type)) {
    return false;
  }
  if (v.type === 'dashboard/exportCsv') {
    return typeof v.suggestedName === 'string' && typeof v.csv === 'string' && typeof v.rows === 'number';
  }
  if (v.type === 'dashboard/requestExamples') {
    const r = value as { requestId?: unknown; indices?: unknown };
    return (
      typeof r.requestId === 'number' &&
      Array.isArray(r.indices) &&
      r.indices.length <= maxDrillDownExamples &&
      r.indices.every((i) => typeof i === 'number' && Number.isInteger(i) && i >= 0)
    );
  }
  if (v.type === 'dashboard/openExample') {
    const o = value as { file?: unknown; action?: unknown };
    return typeof o.file === 'string' && o.file.length <= maxPathLength && (o.action === 'open' || o.action === 'reveal');
  }
  return true;
}

const maxPathLength = 4096;

function isReportPath(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxPathLength && /\.json$/i.test(value) && !value.includes('\u0000');
}

/**
 * Reads a {@link DashboardInput} from untrusted persisted state (an older build, or none): both paths
 * must be non-empty strings naming `.json` files; anything else gives `undefined`.
 */
export function parseDashboardInput(value: unknown): DashboardInput | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const v = value as { reportPath?: unknown; comparePath?: unknown };
  if (!isReportPath(v.reportPath)) {
    return undefined;
  }
  if (v.comparePath === undefined || v.comparePath === null) {
    return { reportPath: v.reportPath };
  }
  return isReportPath(v.comparePath) ? { reportPath: v.reportPath, comparePath: v.comparePath } : undefined;
}

/** Type guard the webview applies to incoming `message` events. */
export function isToDashboardMessage(value: unknown): value is ToDashboardMessage {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && toDashboardTypes.has(type);
}

// ---------------------------------------------------------------------------------------------------
// Training (webview/training, dist/webview/training.js): live loss and balanced error while fine-tuning
// ---------------------------------------------------------------------------------------------------

/** One finished epoch as the training panel shows it (a subset of training.json's records). */
export interface TrainingEpochPoint {
  readonly epoch: number;
  readonly loss: number;
  readonly balancedError: number;
  readonly buckets: { readonly many: number | null; readonly medium: number | null; readonly few: number | null };
  readonly seconds: number;
}

/** Webview → host: the training panel's script is listening. */
export interface TrainingReadyMessage {
  readonly type: 'training/ready';
}

/** Host → webview: the whole run so far (a complete snapshot, never a delta). */
export interface TrainingShowRunMessage {
  readonly type: 'training/showRun';
  /** E.g. `la (τ=1), head, 5 epochs` (shown as text). */
  readonly title: string;
  readonly totalEpochs: number;
  readonly epochs: readonly TrainingEpochPoint[];
  /** Balanced error before fine-tuning, drawn as a reference line (null when unknown). */
  readonly baselineBalancedError: number | null;
  /** `interrupted`: the run was still going when the window reloaded (the engine run did not survive it). */
  readonly status: 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';
  /** Current step text, e.g. `epoch 3/5: 120/400 batches` (shown as text). */
  readonly detail?: string;
  /** True when the panel was restored after a window reload: the chart is a record, no longer live. */
  readonly restored?: boolean;
}

/** Everything the training webview sends. */
export type FromTrainingMessage = TrainingReadyMessage;
/** Everything the host sends to the training webview. */
export type ToTrainingMessage = TrainingShowRunMessage;

/** Type guard for messages the training webview receives. */
export function isToTrainingMessage(value: unknown): value is ToTrainingMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'training/showRun';
}

/** Type guard for messages the host receives from the training webview. */
export function isFromTrainingMessage(value: unknown): value is FromTrainingMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'training/ready';
}

const trainingStatuses: ReadonlySet<string> = new Set<TrainingShowRunMessage['status']>(['running', 'done', 'cancelled', 'failed', 'interrupted']);

function finiteOrNull(value: unknown): number | null | undefined {
  if (value === null) return null;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function parseEpochPoint(value: unknown): TrainingEpochPoint | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<Record<keyof TrainingEpochPoint, unknown>>;
  const b = v.buckets as Partial<Record<'many' | 'medium' | 'few', unknown>> | undefined;
  const many = finiteOrNull(b?.many);
  const medium = finiteOrNull(b?.medium);
  const few = finiteOrNull(b?.few);
  if (typeof v.epoch !== 'number' || !Number.isInteger(v.epoch) || typeof v.loss !== 'number' || typeof v.balancedError !== 'number' || typeof v.seconds !== 'number') return undefined;
  if (many === undefined || medium === undefined || few === undefined) return undefined;
  return { epoch: v.epoch, loss: v.loss, balancedError: v.balancedError, buckets: { many, medium, few }, seconds: v.seconds };
}

/** What a restored training panel says when it has no usable saved run (older build, or state lost). */
export const nothingToRestoreDetail = 'This fine-tuning panel was restored after a window reload, but its chart was not saved. The run itself ended with the reload; its outputs (if it finished) are under .longtail/finetune/.';

/**
 * The run a training panel shows after a window reload, from the state its webview saved (untrusted:
 * checked field by field). The engine run does not survive a reload, so a run that was still `running`
 * becomes `interrupted`, and every restored run is marked `restored` (no longer live). Invalid or missing
 * state gives an empty chart that says so ({@link nothingToRestoreDetail}).
 */
export function restoreTrainingRun(state: unknown): TrainingShowRunMessage {
  const v = (typeof state === 'object' && state !== null ? state : {}) as Partial<Record<keyof TrainingShowRunMessage, unknown>>;
  const epochs = Array.isArray(v.epochs) ? v.epochs.map(parseEpochPoint) : undefined;
  const baseline = finiteOrNull(v.baselineBalancedError);
  const valid =
    v.type === 'training/showRun' &&
    typeof v.title === 'string' &&
    typeof v.totalEpochs === 'number' &&
    Number.isInteger(v.totalEpochs) &&
    v.totalEpochs >= 0 &&
    typeof v.status === 'string' &&
    trainingStatuses.has(v.status) &&
    epochs !== undefined &&
    epochs.every((e) => e !== undefined) &&
    baseline !== undefined;
  if (!valid) {
    return { type: 'training/showRun', title: 'fine-tuning', totalEpochs: 0, epochs: [], baselineBalancedError: null, status: 'interrupted', detail: nothingToRestoreDetail, restored: true };
  }
  const wasRunning = v.status === 'running' || v.status === 'interrupted';
  const detail = wasRunning
    ? 'The window was reloaded while this run was training. The engine run was stopped by the reload and wrote no checkpoint; the chart shows the epochs received before it. This panel is no longer live.'
    : typeof v.detail === 'string'
      ? v.detail.slice(0, 2000)
      : undefined;
  return {
    type: 'training/showRun',
    title: (v.title as string).slice(0, 500),
    totalEpochs: v.totalEpochs as number,
    epochs: epochs as TrainingEpochPoint[],
    baselineBalancedError: baseline,
    status: wasRunning ? 'interrupted' : (v.status as TrainingShowRunMessage['status']),
    detail,
    restored: true,
  };
}
