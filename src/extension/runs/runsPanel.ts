/**
 * The runs table panel (webview/runs): every run of the workspace as a sortable table with editable tags,
 * and a chart of a chosen metric over time. One panel, opened by "Long-Tail: Open runs table" (also on the
 * runs view's title bar). The host lists the runs (collectRuns.ts, through the one report validator) and
 * posts the whole listing after `runs/ready` and whenever a report.json or tags.json under `.longtail/`
 * changes — so watch mode's re-analyses appear in the open table and chart as they are written. The
 * webview sends back only run ids; the host maps them to its own paths. Restored after a window reload.
 */
import { promises as nodeFs } from 'node:fs';
import * as vscode from 'vscode';
import { isFromRunsMessage, type RunsShowMessage } from '../../protocol/runsTable';
import { loadWebview } from '../panels/loadWebview';
import { renameOver } from '../replaceFile';
import { showError } from '../showError';
import { checkRunStillInside, RunCollector, type FoundRun } from './collectRuns';
import type { RunFiles } from './runFiles';
import { writeTags } from './tagStore';

/** {@link RunFiles} over `vscode.workspace.fs` (local and remote workspaces alike). */
export const vscodeRunFiles: RunFiles = {
  async readDirectory(dir) {
    const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.file(dir));
    return entries.map(([name, type]) => ({ name, isDirectory: (type & vscode.FileType.Directory) !== 0, isSymbolicLink: (type & vscode.FileType.SymbolicLink) !== 0 }));
  },
  async stat(file) {
    const st = await vscode.workspace.fs.stat(vscode.Uri.file(file));
    return { size: st.size, mtime: st.mtime, isFile: (st.type & vscode.FileType.File) !== 0, isSymbolicLink: (st.type & vscode.FileType.SymbolicLink) !== 0 };
  },
  async realPath(file) {
    // Only `file:` workspace folders are listed, and the extension host runs where they are.
    return nodeFs.realpath(file);
  },
  async readFile(file) {
    return vscode.workspace.fs.readFile(vscode.Uri.file(file));
  },
  async writeFile(file, data) {
    await vscode.workspace.fs.writeFile(vscode.Uri.file(file), data);
  },
  async rename(from, to) {
    await renameOver(vscode.Uri.file(from), vscode.Uri.file(to));
  },
  async delete(file) {
    try {
      await vscode.workspace.fs.delete(vscode.Uri.file(file), { useTrash: false });
    } catch (error) {
      if (!vscodeRunFiles.missing(error)) throw error;
    }
  },
  missing(error) {
    return error instanceof vscode.FileSystemError && error.code === 'FileNotFound';
  },
};

/** Shown instead of runs in a restricted (untrusted) workspace. */
const restrictedNotice = 'Long-Tail Lens reads nothing from this workspace in Restricted Mode: no report is listed. Trust the workspace (Manage Workspace Trust) to see its runs.';

/** The one runs table panel. */
export class RunsPanel implements vscode.Disposable {
  static readonly viewType = 'longtail.runsTable';
  private static current: RunsPanel | null = null;
  private ready = false;
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly collector = new RunCollector(vscodeRunFiles);
  /** The runs of the last listing by id: the only paths the webview's messages can reach. */
  private runs = new Map<string, FoundRun>();
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** Serialises listings: a refresh asked for while one runs starts after it. */
  private listing: Promise<void> = Promise.resolve();
  /** Serialises tag writes: one webview cannot start many at once. */
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    extensionUri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const webview = panel.webview;
    loadWebview(webview, extensionUri, 'runs.js', 'runs.css');
    panel.title = 'Long-Tail: runs';
    const watcher = vscode.workspace.createFileSystemWatcher('**/.longtail/{runs,finetune}/*/{report,tags,training}.json');
    // A run folder deleted or renamed as a whole reports only the folder's event, not its files'.
    const folderWatcher = vscode.workspace.createFileSystemWatcher('**/.longtail/{runs,finetune}/*', false, true, false);
    const changed = (): void => this.scheduleRefresh();
    this.disposables.push(
      watcher,
      watcher.onDidCreate(changed),
      watcher.onDidChange(changed),
      watcher.onDidDelete(changed),
      folderWatcher,
      folderWatcher.onDidCreate(changed),
      folderWatcher.onDidDelete(changed),
      vscode.workspace.onDidGrantWorkspaceTrust(changed),
      vscode.workspace.onDidChangeWorkspaceFolders(changed),
      webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
    RunsPanel.current = this;
  }

  /** Opens the panel (or reveals the open one and lists the runs again). */
  static show(extensionUri: vscode.Uri, log: vscode.LogOutputChannel): RunsPanel {
    if (RunsPanel.current) {
      RunsPanel.current.panel.reveal();
      RunsPanel.current.scheduleRefresh(0);
      return RunsPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(RunsPanel.viewType, 'Long-Tail: runs', vscode.ViewColumn.Active, { enableScripts: true });
    return new RunsPanel(extensionUri, panel, log);
  }

  /** Lists the runs again in the open panel, if any (after an analysis or fine-tune finished). */
  static refresh(): void {
    RunsPanel.current?.scheduleRefresh(0);
  }

  /** Registers the command and the serializer that restores the panel after a window reload. */
  static register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.commands.registerCommand('longtail.openRunsTable', () => {
        RunsPanel.show(context.extensionUri, log);
      }),
      vscode.window.registerWebviewPanelSerializer(RunsPanel.viewType, {
        async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
          log.info('restored the runs table');
          RunsPanel.current?.dispose();
          new RunsPanel(context.extensionUri, panel, log);
        },
      }),
      { dispose: () => RunsPanel.current?.dispose() },
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (RunsPanel.current === this) RunsPanel.current = null;
    clearTimeout(this.refreshTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  /** A burst of file events (a fine-tune writes three files) is one listing. */
  private scheduleRefresh(delayMs = 250): void {
    if (this.disposed) return;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.listing = this.listing.then(() => this.post()).catch((error: unknown) => this.log.warn(`runs table: ${error instanceof Error ? error.message : String(error)}`));
    }, delayMs);
  }

  private async onMessage(message: unknown): Promise<void> {
    if (!isFromRunsMessage(message)) return;
    try {
      if (message.type === 'runs/ready') {
        this.ready = true;
        this.scheduleRefresh(0);
        return;
      }
      if (!vscode.workspace.isTrusted) return;
      const run = this.runs.get(message.id);
      if (!run || !run.actionable) {
        this.log.warn(`runs table: no run ${JSON.stringify(message.id.slice(0, 200))} to act on in the last listing`);
        return;
      }
      if (message.type === 'runs/open') {
        await vscode.commands.executeCommand('longtail.openReport', vscode.Uri.file(run.reportPath));
      } else {
        const write = this.writing.then(async () => {
          // The folder may have been replaced by a link since the listing: check again right before writing.
          await checkRunStillInside(vscodeRunFiles, run);
          return writeTags(vscodeRunFiles, run.runDir, message.tags);
        });
        this.writing = write.catch(() => undefined);
        const written = await write;
        this.log.info(`tags of ${run.runDir}: ${written.length ? written.map((t) => JSON.stringify(t)).join(', ') : 'none'}`);
        this.scheduleRefresh(0);
      }
    } catch (error) {
      await showError(error, this.log);
      // The webview may show an edit the host refused: send the listing as it is on disk.
      this.scheduleRefresh(0);
    }
  }

  private async post(): Promise<void> {
    if (!this.ready || this.disposed) return;
    let message: RunsShowMessage;
    if (!vscode.workspace.isTrusted) {
      this.runs = new Map();
      message = { type: 'runs/show', rows: [], notes: [], notice: restrictedNotice };
    } else {
      const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
      const started = Date.now();
      const listing = await this.collector.collect(folders);
      const found = listing.runs;
      this.runs = new Map(found.map((f) => [f.row.id, f]));
      const invalid = found.filter((f) => f.row.error !== null).length;
      this.log.info(`runs table: ${found.length} runs${invalid ? ` (${invalid} invalid)` : ''} listed in ${Date.now() - started} ms${listing.notes.length ? `; ${listing.notes.join(' ')}` : ''}`);
      message = { type: 'runs/show', rows: found.map((f) => f.row), notes: listing.notes, notice: folders.length ? null : 'Open a folder to see its runs: they live in .longtail/runs/ and .longtail/finetune/.' };
      // Reports left for lack of read budget are read by the next listing.
      if (listing.incomplete) this.scheduleRefresh(1000);
    }
    if (!this.disposed) await this.panel.webview.postMessage(message);
  }
}
