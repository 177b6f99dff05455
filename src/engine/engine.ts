/**
 * The engine service: one object that owns the TF.js backend and answers every request. The
 * JSON-RPC server (server.ts) and the CLI (cli/cli.ts) both call these methods; neither holds logic.
 */
import * as os from 'node:os';
import type { AnalyseParams } from '../protocol/analysisParams';
import { deviceLabel, type BackendRequest, type EngineInfo, type ThroughputResult } from '../protocol/engineInfo';
import type { FineTuneEpoch, FineTuneParams } from '../protocol/fineTuneParams';
import type { CancellationSignal, ProgressSink } from '../protocol/progress';
import { loadBackend, type LoadedBackend } from './compute/loadBackend';
import { measureThroughput } from './compute/measureThroughput';
import { probeBackend } from './compute/probeBackend';
import { chooseThreads, type ThreadChoice } from './compute/threadChoice';
import { recoverWebgpuIfLost } from './compute/webgpuBackend';
import { tf } from './compute/tf';
import { analyseCheckpoint, type AnalyseOutcome } from './pipeline/analyseCheckpoint';
import { fineTune, type FineTuneOutcome } from './training/fineTune';
import { longtailVersion } from './version';

/** How the engine is started. */
export interface EngineOptions {
  /** Requested backend (`auto` = fastest that loads). */
  readonly backend: BackendRequest;
  /** WASM threads; 0 = one per logical core. */
  readonly threads: number;
  /** Module loader for native backends (tests inject failures). */
  readonly requireModule?: (id: string) => unknown;
}

/** The long-tail engine. Create with {@link Engine.create}. */
export class Engine {
  private constructor(
    private readonly options: EngineOptions,
    private readonly backend: LoadedBackend,
    private readonly engineInfo: EngineInfo,
    /** onnxruntime's intra-op threads, chosen once at start (compute/threadChoice.ts). */
    private readonly ortThreads: ThreadChoice,
  ) {}

  /** Loads the backend and probes its capabilities once. */
  static async create(options: EngineOptions): Promise<Engine> {
    const backend = await loadBackend(tf, { requested: options.backend, threads: options.threads, requireModule: options.requireModule });
    const capabilities = await probeBackend(tf, backend.patchedKernels);
    const ortThreads = chooseThreads(options.threads);
    const info: EngineInfo = {
      version: longtailVersion,
      tfjsVersion: tf.version.tfjs,
      backend: {
        name: backend.name,
        requested: options.backend,
        tfjsBackend: backend.tfjsBackend,
        device: backend.device,
        ...(backend.adapter ? { adapter: backend.adapter } : {}),
        label: deviceLabel(backend),
        attempts: backend.attempts,
        capabilities,
        notes: backend.notes,
      },
      node: process.version,
      threads: backend.threads,
      onnxruntimeThreads: { threads: ortThreads.threads, reason: ortThreads.reason },
      cpus: os.cpus().length,
      platform: `${process.platform}-${process.arch}`,
      pid: process.pid,
    };
    return new Engine(options, backend, info, ortThreads);
  }

  /** Version, backend, why faster backends were skipped, Node version and threads. */
  info(): EngineInfo {
    return this.engineInfo;
  }

  /** The options the engine was started with. */
  get startOptions(): EngineOptions {
    return this.options;
  }

  /** Matrix-product throughput of the active backend. */
  measureThroughput(
    params: { seconds: number; size: number; progressToken?: string },
    signal?: CancellationSignal,
    onProgress?: ProgressSink,
  ): Promise<ThroughputResult> {
    return measureThroughput(tf, this.backend.name, { ...params, signal, onProgress });
  }

  /** Runs an analysis and writes its report.json (see pipeline/analyseCheckpoint.ts). */
  async analyse(params: AnalyseParams, signal?: CancellationSignal, onProgress?: ProgressSink): Promise<AnalyseOutcome> {
    await recoverWebgpuIfLost(tf); // after GPU_DEVICE_LOST the next request runs on a new device
    return analyseCheckpoint(params, { backend: this.backend.name, threads: this.ortThreads.threads, signal, onProgress });
  }

  /**
   * Fine-tunes a checkpoint and writes a new output folder (see training/fineTune.ts); `onEpoch` receives each
   * finished epoch's record (loss, balanced error, buckets).
   */
  async fineTune(params: FineTuneParams, signal?: CancellationSignal, onProgress?: ProgressSink, onEpoch?: (epoch: FineTuneEpoch) => void): Promise<FineTuneOutcome> {
    await recoverWebgpuIfLost(tf);
    return fineTune(params, { backend: this.backend.name, threads: this.ortThreads.threads, signal, onProgress, onEpochEnd: onEpoch });
  }
}
