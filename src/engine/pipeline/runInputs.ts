/**
 * The prologue every engine run shares (analysis and fine-tuning): the workspace and its longtail.json,
 * the checkpoint path, preprocessing, head key and bucket thresholds with their defaults filled in the one
 * order (explicit parameter, then longtail.json, then the built-in default), and the progress reporter.
 */
import * as path from 'node:path';
import type { PreprocessingOptions } from '../../protocol/preprocessing';
import type { ProgressSink } from '../../protocol/progress';
import { makeSnapshot } from '../../protocol/progress';
import { defaultThresholds } from '../analysis/buckets';
import { readWorkspaceConfig, type WorkspaceConfig } from '../config/workspaceConfig';
import type { ImagePreprocessing } from '../data/imagePreprocessing';

/** The parameters the prologue reads (a subset of AnalyseParams and FineTuneParams). */
export interface RunInputParams {
  readonly model: string;
  readonly workspace?: string;
  readonly preprocessing?: PreprocessingOptions;
  readonly headKey?: string;
  readonly manyThreshold?: number;
  readonly fewThreshold?: number;
  readonly progressToken?: string;
}

/** Sends one progress snapshot of the run (nothing when the request carries no progress token). */
export type PhaseReporter = (phase: string, done: number, total: number | null, message?: string) => void;

/** Resolved inputs of a run. */
export interface RunInputs {
  /** `performance.now()` when the run started (progress ETA and the result's seconds). */
  readonly started: number;
  /** Absolute workspace folder (`.longtail/` lives here). */
  readonly workspace: string;
  readonly config: WorkspaceConfig;
  /** Absolute checkpoint path. */
  readonly modelPath: string;
  /** longtail.json's preprocessing overridden field by field by the parameters'. */
  readonly preprocessing: ImagePreprocessing;
  readonly headKey: string | undefined;
  /** Bucket thresholds: many if trainCount > many, few if < few. */
  readonly thresholds: { readonly many: number; readonly few: number };
  readonly progress: PhaseReporter;
}

/** Reads longtail.json (INVALID_FILE when it is malformed) and resolves the shared inputs of a run. */
export async function resolveRunInputs(params: RunInputParams, onProgress: ProgressSink | undefined): Promise<RunInputs> {
  const started = performance.now();
  const workspace = path.resolve(params.workspace ?? process.cwd());
  const config = await readWorkspaceConfig(workspace);
  const token = params.progressToken;
  const progress: PhaseReporter = (phase, done, total, message) => {
    if (token && onProgress) onProgress(makeSnapshot(token, phase, done, total, started, performance.now(), message));
  };
  return {
    started,
    workspace,
    config,
    modelPath: path.resolve(params.model),
    preprocessing: { ...config.preprocessing, ...params.preprocessing },
    headKey: params.headKey ?? config.headKey,
    thresholds: {
      many: params.manyThreshold ?? config.buckets?.many ?? defaultThresholds.many,
      few: params.fewThreshold ?? config.buckets?.few ?? defaultThresholds.few,
    },
    progress,
  };
}
