/**
 * Watch mode: when a checkpoint that was analysed changes on disk (a training script wrote a new
 * epoch), analyse it again with the same inputs and refresh the dashboard. Changes are debounced so a
 * checkpoint written as several files (model.json + shards) triggers one analysis.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalyseParams } from '../protocol/analysisParams';

/** Re-runs an analysis; resolves with the new report path. */
export type Reanalyse = (params: AnalyseParams) => Promise<string | undefined>;

/** Owns the file watcher of the last analysed checkpoint. */
export class WatchMode implements vscode.Disposable {
  private watcher: vscode.FileSystemWatcher | undefined;
  private params: AnalyseParams | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pending = false;

  constructor(
    private readonly reanalyse: Reanalyse,
    private readonly log: vscode.LogOutputChannel,
    private readonly debounceMs = 1500,
  ) {}

  /** True when the `longtail.watch` setting is on. */
  static enabled(): boolean {
    return vscode.workspace.getConfiguration('longtail').get<boolean>('watch', false);
  }

  /** Watches the checkpoint of `params` (replacing any previous watch) when watch mode is on. */
  watch(params: AnalyseParams): void {
    this.params = params;
    this.watcher?.dispose();
    this.watcher = undefined;
    if (!WatchMode.enabled()) {
      return;
    }
    // A model.json checkpoint is a folder of files; a head/ONNX checkpoint is one file.
    const isFolderCheckpoint = path.basename(params.model) === 'model.json';
    const base = vscode.Uri.file(path.dirname(params.model));
    const pattern = new vscode.RelativePattern(base, isFolderCheckpoint ? '*' : path.basename(params.model));
    this.watcher = vscode.workspace.createFileSystemWatcher(pattern, true, false, true);
    const onChange = (uri: vscode.Uri): void => {
      if (uri.fsPath.includes(`${path.sep}.longtail${path.sep}`)) return;
      this.schedule();
    };
    this.watcher.onDidChange(onChange);
    this.watcher.onDidCreate(onChange);
    this.log.info(`watch mode: re-analysing when ${isFolderCheckpoint ? base.fsPath : params.model} changes`);
  }

  dispose(): void {
    this.watcher?.dispose();
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), this.debounceMs);
  }

  private async run(): Promise<void> {
    if (!this.params) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = true;
    try {
      this.log.info(`watch mode: ${this.params.model} changed; analysing again`);
      await this.reanalyse(this.params);
    } catch (error) {
      this.log.error(`watch mode: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.running = false;
      if (this.pending) {
        this.pending = false;
        this.schedule();
      }
    }
  }
}
