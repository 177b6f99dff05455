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
export type FromDashboardMessage = DashboardReadyMessage | DashboardExportCsvMessage;

/** Host → webview: the report to render (the full state; replaces whatever was shown). */
export interface DashboardShowReportMessage {
  readonly type: 'dashboard/showReport';
  readonly report: Report;
  /** An optional second report shown as "after" in the compare section (`report` is "before"). */
  readonly compare?: Report | null;
  /** Short label for the report, e.g. its file name (shown as text). */
  readonly title?: string;
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
export type ToDashboardMessage = DashboardShowReportMessage | DashboardDidExportCsvMessage | DashboardShowErrorMessage;

const fromDashboardTypes: ReadonlySet<string> = new Set<FromDashboardMessage['type']>(['dashboard/ready', 'dashboard/exportCsv']);
const toDashboardTypes: ReadonlySet<string> = new Set<ToDashboardMessage['type']>([
  'dashboard/showReport',
  'dashboard/didExportCsv',
  'dashboard/showError',
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
  return true;
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
  readonly status: 'running' | 'done' | 'cancelled' | 'failed';
  /** Current step text, e.g. `epoch 3/5: 120/400 batches` (shown as text). */
  readonly detail?: string;
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
