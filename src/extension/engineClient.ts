/**
 * The extension's handle on the engine: an {@link EngineProcess} configured from `longtail.*` settings,
 * logging into the extension's LogOutputChannel, restarted when the backend settings change.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineProcess } from '../client/engineProcess';
import type { EngineErrorData } from '../protocol/errors';
import type { FineTuneEpoch } from '../protocol/fineTuneParams';
import type { ProgressSnapshot } from '../protocol/progress';
import type { RequestType } from 'vscode-jsonrpc';

/** Reads the engine's command-line arguments from settings. */
function engineArgs(): string[] {
  const config = vscode.workspace.getConfiguration('longtail');
  return ['--backend', config.get<string>('backend', 'auto'), '--threads', String(config.get<number>('threads', 0))];
}

/** Owns the engine process for the extension's lifetime. */
export class EngineClient implements vscode.Disposable {
  private engine: EngineProcess;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly progressListeners = new Map<string, (snapshot: ProgressSnapshot) => void>();
  private readonly epochListeners = new Map<string, (epoch: FineTuneEpoch) => void>();
  private nextToken = 1;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.engine = this.create();
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('longtail.backend') || e.affectsConfiguration('longtail.threads')) {
          this.log.info('backend settings changed; restarting the engine');
          void this.restart();
        }
      }),
    );
  }

  /** Sends a request to the engine (starting it if needed). */
  request<P, R>(type: RequestType<P, R, EngineErrorData>, params: P, token?: vscode.CancellationToken): Promise<R> {
    return this.engine.request(type, params, token);
  }

  /**
   * Sends a request that reports progress: a fresh progress token is put in the params and every
   * snapshot carrying it goes to `onProgress` until the request settles.
   */
  async requestWithProgress<P extends { progressToken?: string }, R>(
    type: RequestType<P, R, EngineErrorData>,
    params: P,
    onProgress: (snapshot: ProgressSnapshot) => void,
    token?: vscode.CancellationToken,
    onEpoch?: (epoch: FineTuneEpoch) => void,
  ): Promise<R> {
    const progressToken = `p${this.nextToken++}`;
    this.progressListeners.set(progressToken, onProgress);
    if (onEpoch) this.epochListeners.set(progressToken, onEpoch);
    try {
      return await this.engine.request(type, { ...params, progressToken }, token);
    } finally {
      this.progressListeners.delete(progressToken);
      this.epochListeners.delete(progressToken);
    }
  }

  /** Stops the engine; the next request starts a fresh one with the current settings. */
  async restart(): Promise<void> {
    const old = this.engine;
    this.engine = this.create();
    await old.dispose();
  }

  dispose(): void {
    void this.engine.dispose();
    for (const s of this.subscriptions) {
      s.dispose();
    }
  }

  private create(): EngineProcess {
    return new EngineProcess({
      enginePath: path.join(this.extensionUri.fsPath, 'dist', 'engine.js'),
      args: engineArgs(),
      onLog: (m) => this.log[m.level](m.message),
      onProgress: (snapshot) => this.progressListeners.get(snapshot.token)?.(snapshot),
      onEpoch: (m) => this.epochListeners.get(m.token)?.(m.epoch),
      onExit: (exit) => {
        if (!exit.expected) {
          this.log.error(`engine exited unexpectedly (code ${exit.code}, signal ${exit.signal}); stderr tail:\n${exit.stderrTail}`);
        }
      },
    });
  }
}
