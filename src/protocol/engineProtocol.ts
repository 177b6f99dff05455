/**
 * Every JSON-RPC message between the extension host and the engine child process, declared once.
 * Method names are `area/verb`; notifications are `area/did*`. Request errors carry
 * {@link EngineErrorData} as the JSON-RPC error's `data`.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { AnalyseParams, AnalyseResult } from './analysisParams';
import type { EngineErrorData } from './errors';
import type { EngineInfo, ThroughputResult } from './engineInfo';
import type { ExamplesParams, ExamplesResult } from './examplesParams';
import type { FineTuneEpoch, FineTuneParams, FineTuneResult } from './fineTuneParams';
import type { ProgressSnapshot } from './progress';
import type { TrainingStatisticsParams, TrainingStatisticsResult } from './preprocessing';

/** Parameters of `engine/info`. */
export type InfoParams = Record<string, never>;

/** Returns version, backend (with the reasons faster ones were skipped), Node version and threads. */
export const InfoRequest = new RequestType<InfoParams, EngineInfo, EngineErrorData>('engine/info');

/** Parameters of `engine/measureThroughput`. */
export interface MeasureThroughputParams {
  /** How long to measure, seconds. */
  readonly seconds: number;
  /** Side of the square matrices multiplied. */
  readonly size: number;
  /** When set, the engine sends `engine/didProgress` snapshots with this token. */
  readonly progressToken?: string;
}

/** Measures the backend's matrix-product throughput for a given time; cancellable. */
export const MeasureThroughputRequest = new RequestType<MeasureThroughputParams, ThroughputResult, EngineErrorData>(
  'engine/measureThroughput',
);

/** Computes embeddings and logits (through the cache), writes report.json and returns its headline; cancellable. */
export const AnalyseRequest = new RequestType<AnalyseParams, AnalyseResult, EngineErrorData>('analysis/run');

/**
 * Reads eval examples by index for the dashboard's drill-down: label, a small PNG thumbnail as a `data:` URI for
 * image datasets (decoded from the workspace data, min–max scaled for display) and the image file when there is one.
 */
export const ExamplesRequest = new RequestType<ExamplesParams, ExamplesResult, EngineErrorData>('data/examples');

/**
 * Fine-tunes a checkpoint with a long-tail loss, writes a new output folder (checkpoint, training.json,
 * report.json) and returns its headline; cancellable (nothing is written then).
 */
export const FineTuneRequest = new RequestType<FineTuneParams, FineTuneResult, EngineErrorData>('training/run');

/**
 * The training set's per-channel pixel mean and std (pixels / 255; a seeded sample of at most 10,000 examples), for
 * the "training set's own statistics" preprocessing preset; data only, cancellable.
 */
export const TrainingStatisticsRequest = new RequestType<TrainingStatisticsParams, TrainingStatisticsResult, EngineErrorData>('preprocessing/trainingStatistics');

/** A complete progress snapshot for a request that was given a `progressToken`. */
export const DidProgressNotification = new NotificationType<ProgressSnapshot>('engine/didProgress');

/** A log line from the engine (the host shows it in its log channel). */
export interface LogMessage {
  /** Severity. */
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** One line of text. */
  readonly message: string;
}

/** A log line from the engine. */
export const DidLogNotification = new NotificationType<LogMessage>('engine/didLog');

/** A finished fine-tuning epoch (loss, balanced error, buckets) of the request with this progress token. */
export interface EpochMessage {
  /** The `progressToken` of the `training/run` request. */
  readonly token: string;
  readonly epoch: FineTuneEpoch;
}

/** Sent after every fine-tuning epoch, for live charts. */
export const DidEpochNotification = new NotificationType<EpochMessage>('training/didEpoch');
