/**
 * The dashboard webview panel: shows a report.json (optionally compared with a second one) with the
 * dashboard bundle. Handshake: the webview sends `dashboard/ready`, the panel answers with the whole
 * report (never before, never a delta). Survives reloads through a panel serializer; the webview
 * keeps its own UI state (tab, sort, filter) with getState/setState.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Report } from '../../protocol/report';
import { parseReport } from '../../protocol/validateReport';
import { isFromDashboardMessage, type ToDashboardMessage } from '../../protocol/webviewProtocol';
import { dashboardHtml } from '../dashboardHtml';

/** What a panel shows; persisted so the panel can be restored after a reload. */
interface PanelInput {
  readonly reportPath: string;
  readonly comparePath?: string;
}

const stateKey = 'longtail.dashboard.inputs';

async function readReportFile(file: string): Promise<Report> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(file));
  return parseReport(new TextDecoder().decode(bytes), file);
}

/** One dashboard panel. */
export class DashboardPanel implements vscode.Disposable {
  static readonly viewType = 'longtail.dashboard';
  private static readonly panels = new Map<string, DashboardPanel>();
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly panel: vscode.WebviewPanel,
    private input: PanelInput,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const webview = panel.webview;
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
    webview.html = dashboardHtml(
      webview.cspSource,
      webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview', 'dashboard.js')).toString(),
      webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', 'dashboard.css')).toString(),
      randomBytes(18).toString('base64'),
    );
    this.disposables.push(
      webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
      panel.onDidDispose(() => this.dispose()),
    );
    DashboardPanel.panels.set(DashboardPanel.key(input), this);
    void this.remember();
  }

  private static key(input: PanelInput): string {
    return `${input.reportPath}\u0000${input.comparePath ?? ''}`;
  }

  /** Shows a report beside the editor, reusing the panel already showing it. */
  static async show(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, input: PanelInput): Promise<DashboardPanel> {
    const existing = DashboardPanel.panels.get(DashboardPanel.key(input));
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      await existing.refresh();
      return existing;
    }
    const title = input.comparePath
      ? `Long-Tail: ${path.basename(path.dirname(input.reportPath))} vs ${path.basename(path.dirname(input.comparePath))}`
      : `Long-Tail: ${path.basename(path.dirname(input.reportPath))}`;
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: false,
    });
    return new DashboardPanel(context, panel, input, log);
  }

  /** Re-reads every panel whose report is `reportPath` (watch mode writes a new report each time; this is for in-place updates). */
  static async refreshAll(): Promise<void> {
    await Promise.all([...DashboardPanel.panels.values()].map((p) => p.refresh()));
  }

  /** Restores a panel after a window reload. */
  static registerSerializer(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(DashboardPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
        const input = context.workspaceState.get<PanelInput>(stateKey);
        if (!input) {
          panel.dispose();
          return;
        }
        new DashboardPanel(context, panel, input, log);
      },
    });
  }

  /** Points this panel at another report (watch mode) and re-renders. */
  async showInput(input: PanelInput): Promise<void> {
    DashboardPanel.panels.delete(DashboardPanel.key(this.input));
    this.input = input;
    DashboardPanel.panels.set(DashboardPanel.key(input), this);
    await this.remember();
    await this.refresh();
  }

  dispose(): void {
    DashboardPanel.panels.delete(DashboardPanel.key(this.input));
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private async remember(): Promise<void> {
    await this.context.workspaceState.update(stateKey, this.input);
  }

  private async post(message: ToDashboardMessage): Promise<void> {
    await this.panel.webview.postMessage(message);
  }

  private async refresh(): Promise<void> {
    if (!this.ready) {
      return; // the report is sent on `dashboard/ready`
    }
    try {
      const report = await readReportFile(this.input.reportPath);
      const compare = this.input.comparePath ? await readReportFile(this.input.comparePath) : null;
      await this.post({ type: 'dashboard/showReport', report, compare, title: path.basename(path.dirname(this.input.reportPath)) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`dashboard: ${message}`);
      await this.post({ type: 'dashboard/showError', message });
    }
  }

  private async onMessage(message: unknown): Promise<void> {
    if (!isFromDashboardMessage(message)) {
      this.log.warn('dashboard: ignored an unexpected message from the webview');
      return;
    }
    if (message.type === 'dashboard/ready') {
      this.ready = true;
      await this.refresh();
      return;
    }
    // dashboard/exportCsv: never write next to (or over) the user's inputs without asking.
    const name = path.basename(message.suggestedName).replace(/[^\w.-]/g, '_') || 'classes.csv';
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(path.dirname(this.input.reportPath), name)),
      filters: { CSV: ['csv'] },
      title: 'Export per-class table as CSV',
    });
    if (!target) {
      await this.post({ type: 'dashboard/didExportCsv', outcome: 'cancelled' });
      return;
    }
    try {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(message.csv));
      await this.post({ type: 'dashboard/didExportCsv', outcome: 'saved', detail: target.fsPath });
      this.log.info(`exported ${message.rows} rows to ${target.fsPath}`);
    } catch (error) {
      await this.post({ type: 'dashboard/didExportCsv', outcome: 'failed', detail: error instanceof Error ? error.message : String(error) });
    }
  }
}
