/**
 * The live fine-tuning panel: loss and balanced error per epoch (webview/training). The host keeps the
 * whole run and posts it complete after `training/ready` and on every change. The webview saves each
 * snapshot with setState; after a window reload the serializer restores the panel from that state as a
 * record of the run, marked no longer live (the engine run does not survive a reload).
 */
import * as vscode from 'vscode';
import { isFromTrainingMessage, restoreTrainingRun, type TrainingShowRunMessage } from '../../protocol/webviewProtocol';
import { loadWebview } from './loadWebview';

/** One fine-tuning run's panel. */
export class TrainingPanel implements vscode.Disposable {
  static readonly viewType = 'longtail.training';
  private ready = false;
  private run: TrainingShowRunMessage;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  private constructor(
    extensionUri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    initial: TrainingShowRunMessage,
  ) {
    this.run = initial;
    const webview = panel.webview;
    loadWebview(webview, extensionUri, 'training.js', 'dashboard.css');
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => {
        if (isFromTrainingMessage(m)) {
          this.ready = true;
          void this.post();
        }
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Opens a new panel beside the editor for a run that is starting. */
  static create(extensionUri: vscode.Uri, initial: TrainingShowRunMessage): TrainingPanel {
    const panel = vscode.window.createWebviewPanel(TrainingPanel.viewType, `Long-Tail: fine-tuning ${initial.title}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    return new TrainingPanel(extensionUri, panel, initial);
  }

  /** Restores panels after a window reload from the run their webview saved (see {@link restoreTrainingRun}). */
  static registerSerializer(extensionUri: vscode.Uri, log: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(TrainingPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        const run = restoreTrainingRun(state);
        log.info(`restored a fine-tuning panel (${run.title}, ${run.epochs.length} epochs, ${run.status})`);
        panel.title = `Long-Tail: fine-tuning ${run.title} (ended)`;
        new TrainingPanel(extensionUri, panel, run);
      },
    });
  }

  /** Replaces the run shown (a complete snapshot). */
  update(run: TrainingShowRunMessage): void {
    this.run = run;
    void this.post();
  }

  get current(): TrainingShowRunMessage {
    return this.run;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private async post(): Promise<void> {
    if (this.ready && !this.disposed) await this.panel.webview.postMessage(this.run);
  }
}
