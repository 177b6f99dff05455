/**
 * Watch mode (`longtail.watch`): when an analysed checkpoint changes on disk (a training script wrote a
 * new epoch), analyse it again with the same inputs and refresh, in place, the dashboard that shows it.
 *
 * VS Code's file watcher reports created, changed and deleted files; a checkpoint written to a temp file
 * and renamed over model.json (PyTorch Lightning, Keras, this product's atomic writer) arrives as a
 * delete of the temp name and a create or change of the final one, so all three are listened to. When
 * to analyse (debounce, stability, coalescing) is decided by {@link WatchScheduler}; whether the files
 * are complete by {@link probeCheckpoint}.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalyseParams } from '../protocol/analysisParams';
import { probeCheckpoint } from './watch/checkpointProbe';
import { WatchScheduler } from './watch/watchScheduler';

/** What is re-analysed: the analysis inputs and the command's own setting overrides (re-resolved each time). */
export interface WatchTarget {
  readonly params: AnalyseParams;
  /** The command arguments the first analysis had (highest in the settings order). */
  readonly overrides?: unknown;
}

/** Re-runs an analysis of `target`; `previousReport` is the report the dashboard shows now. Resolves with the new report path. */
export type Reanalyse = (target: WatchTarget, previousReport: string) => Promise<string>;

interface Watched {
  target: WatchTarget;
  reportPath: string;
  readonly scheduler: WatchScheduler;
  watcher: vscode.FileSystemWatcher | undefined;
}

/** Timing of watch mode (ms). */
export interface WatchTiming {
  readonly debounceMs: number;
  readonly pollMs: number;
  readonly maxWaitMs: number;
}

const defaultTiming: WatchTiming = { debounceMs: 1000, pollMs: 500, maxWaitMs: 120_000 };

/** workspaceState key of the watched checkpoints (re-armed after a window reload). */
const mementoKey = 'longtail.watch.targets';
/** At most this many checkpoints are watched and remembered (the most recently analysed). */
const maxRemembered = 8;

/** A remembered watch: the target and the report its dashboard shows. */
interface RememberedWatch {
  readonly params: AnalyseParams;
  readonly overrides?: unknown;
  readonly reportPath: string;
}

function isRememberedWatch(value: unknown): value is RememberedWatch {
  const v = value as { params?: { model?: unknown; eval?: unknown }; reportPath?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.params?.model === 'string' && typeof v.params.eval === 'string' && typeof v.reportPath === 'string';
}

/** Owns one file watcher and one scheduler per analysed checkpoint. */
export class WatchMode implements vscode.Disposable {
  private readonly watched = new Map<string, Watched>();
  private enabled = WatchMode.settingOn();
  private readonly configListener: vscode.Disposable;

  constructor(
    private readonly reanalyse: Reanalyse,
    private readonly log: vscode.LogOutputChannel,
    private readonly memento?: vscode.Memento,
    private readonly timing: WatchTiming = defaultTiming,
  ) {
    this.configListener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('longtail.watch')) this.setEnabled(WatchMode.settingOn());
    });
  }

  /** True when the `longtail.watch` setting is on. */
  static settingOn(): boolean {
    return vscode.workspace.getConfiguration('longtail').get<boolean>('watch', false);
  }

  /**
   * Remembers `target`'s checkpoint and the report now showing it, and watches it while watch mode is on
   * (replacing the inputs of an earlier analysis of the same checkpoint).
   */
  watch(target: WatchTarget, reportPath: string): void {
    const key = path.resolve(target.params.model ?? target.params.eval);
    if (key.split(path.sep).includes('.longtail')) return; // fine-tune outputs are written once, never rewritten
    const existing = this.watched.get(key);
    if (existing) {
      existing.target = target;
      existing.reportPath = reportPath;
      this.watched.delete(key); // most recently analysed last
      this.watched.set(key, existing);
    } else {
      const entry: Watched = {
        target,
        reportPath,
        watcher: undefined,
        scheduler: new WatchScheduler({
          ...this.timing,
          probe: () => probeCheckpoint(key),
          log: (line) => this.log.info(`${line} (${key})`),
          run: async () => {
            this.log.info(`watch mode: ${key} changed; analysing again`);
            entry.reportPath = await this.reanalyse(entry.target, entry.reportPath);
            this.remember();
          },
        }),
      };
      this.watched.set(key, entry);
      for (const [oldKey, old] of [...this.watched].slice(0, Math.max(0, this.watched.size - maxRemembered))) {
        old.watcher?.dispose();
        old.scheduler.dispose();
        this.watched.delete(oldKey);
      }
    }
    if (this.enabled) this.startWatcher(key, this.watched.get(key)!);
    this.remember();
  }

  private remember(): void {
    const all: RememberedWatch[] = [...this.watched.values()].map((e) => ({ params: e.target.params, overrides: e.target.overrides, reportPath: e.reportPath }));
    void this.memento?.update(mementoKey, all.slice(-maxRemembered));
  }

  /**
   * Watches again the checkpoints remembered from before a window reload (their dashboards are restored
   * too). Call only in a trusted workspace.
   */
  restore(): void {
    const remembered = this.memento?.get<unknown[]>(mementoKey) ?? [];
    for (const r of Array.isArray(remembered) ? remembered : []) {
      if (isRememberedWatch(r)) this.watch({ params: r.params, overrides: r.overrides }, r.reportPath);
    }
  }

  /** Turns watching on (for every checkpoint analysed so far) or off. */
  setEnabled(on: boolean): void {
    this.enabled = on;
    for (const [key, entry] of this.watched) {
      if (on) this.startWatcher(key, entry);
      else {
        entry.watcher?.dispose();
        entry.watcher = undefined;
      }
    }
    this.log.info(`watch mode ${on ? `on (${this.watched.size} checkpoint${this.watched.size === 1 ? '' : 's'})` : 'off'}`);
  }

  dispose(): void {
    this.configListener.dispose();
    for (const entry of this.watched.values()) {
      entry.watcher?.dispose();
      entry.scheduler.dispose();
    }
    this.watched.clear();
  }

  private startWatcher(key: string, entry: Watched): void {
    if (entry.watcher) return;
    // A model.json checkpoint is a folder of files (model.json + shards); a SavedModel is a folder; a
    // head or ONNX checkpoint is one file.
    let isFolder = false;
    try {
      isFolder = statSync(key).isDirectory();
    } catch {
      // not there right now (being rewritten): watch it as a file
    }
    const isModelJson = path.basename(key) === 'model.json';
    const base = vscode.Uri.file(isFolder ? key : path.dirname(key));
    const glob = isFolder ? '**' : isModelJson ? '*' : path.basename(key);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(base, glob), false, false, false);
    const onEvent = (uri: vscode.Uri): void => {
      entry.scheduler.notify(uri.fsPath);
    };
    watcher.onDidCreate(onEvent);
    watcher.onDidChange(onEvent);
    watcher.onDidDelete(onEvent);
    entry.watcher = watcher;
    this.log.info(`watch mode: re-analysing when ${isModelJson ? `${base.fsPath}${path.sep}* (model.json and its shards)` : key} changes`);
  }
}
