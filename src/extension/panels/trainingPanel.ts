/**
 * The live fine-tuning panel: loss and balanced error per epoch (webview/training). The host keeps the
 * whole run and posts it complete after `training/ready` and on every change.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { isFromTrainingMessage, type TrainingShowRunMessage } from '../../protocol/webviewProtocol';
import { dashboardHtml } from '../dashboardHtml';

/** One fine-tuning run's panel. */
export class TrainingPanel implements vscode.Disposable {
  static readonly viewType = 'longtail.training';
  private ready = false;
  private run: TrainingShowRunMessage;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(extensionUri: vscode.Uri, initial: TrainingShowRunMessage) {
    this.run = initial;
    this.panel = vscode.window.createWebviewPanel(TrainingPanel.viewType, `Long-Tail: fine-tuning`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    const webview = this.panel.webview;
    webview.html = dashboardHtml(
      webview.cspSource,
      webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'training.js')).toString(),
      webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dashboard.css')).toString(),
      randomBytes(18).toString('base64'),
    );
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => {
        if (isFromTrainingMessage(m)) {
          this.ready = true;
          void this.post();
        }
      }),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  private readonly panel: vscode.WebviewPanel;

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
