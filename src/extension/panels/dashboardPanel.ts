/**
 * The dashboard webview panel: shows a report.json (optionally compared with a second one) with the
 * dashboard bundle. Handshake: the webview sends `dashboard/ready`, the panel answers with the whole
 * report (never before, never a delta) and the files it came from. The webview keeps those files and
 * its UI state (tab, sort, filter) with setState; after a window reload VS Code passes that state to the
 * serializer, so every restored panel reopens its own report on the same tab.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ExamplesRequest } from '../../protocol/engineProtocol';
import type { Report } from '../../protocol/report';
import { parseReport } from '../../protocol/validateReport';
import {
  isFromDashboardMessage,
  parseDashboardInput,
  type DashboardExample,
  type DashboardExportCsvMessage,
  type DashboardInput,
  type DashboardOpenExampleMessage,
  type DashboardRequestExamplesMessage,
  type ToDashboardMessage,
} from '../../protocol/webviewProtocol';
import { reportEvalPath } from '../../report/thumbnailSelection';
import { loadWebview } from './loadWebview';
import type { EngineClient } from '../engineClient';
import { readUserFile } from '../readUserFile';
import { writeFileAtomically } from '../replaceFile';

async function readReportFile(file: string): Promise<Report> {
  return parseReport(await readUserFile(file), file);
}

/** The run folder's name, e.g. `20261122T222406Z` for `.longtail/runs/20261122T222406Z/report.json`. */
function runName(reportPath: string): string {
  return path.basename(path.dirname(reportPath));
}

/** The panel title: `Long-Tail: <run>` or `Long-Tail: <before> vs <after>`. */
function titleFor(input: DashboardInput): string {
  return input.comparePath ? `Long-Tail: ${runName(input.reportPath)} vs ${runName(input.comparePath)}` : `Long-Tail: ${runName(input.reportPath)}`;
}

/** Shown in a restored panel whose saved state does not say which report it showed. */
const noInputMessage =
  'This dashboard was restored after a window reload, but it did not save which report it showed (it was opened by an older version, or its state was lost). Open the report again with "Long-Tail: Open report".';

/** Shown instead of a report in a restricted (untrusted) workspace. */
const restrictedMessage =
  'Long-Tail Lens reads nothing from this workspace in Restricted Mode. Trust the workspace (Manage Workspace Trust) to see this report; the dashboard then loads it.';

/** One dashboard panel. */
export class DashboardPanel implements vscode.Disposable {
  static readonly viewType = 'longtail.dashboard';
  private static readonly panels = new Set<DashboardPanel>();
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** The engine that reads drill-down examples (set once by activate). */
  private static engine: EngineClient | null = null;
  /** The report shown (drill-down reads its eval set). */
  private report: Report | null = null;
  /** Image files handed to this webview: the only ones it may open or reveal. */
  private readonly exampleFiles = new Set<string>();

  private constructor(
    context: vscode.ExtensionContext,
    private readonly panel: vscode.WebviewPanel,
    private input: DashboardInput | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const webview = panel.webview;
    loadWebview(webview, context.extensionUri, 'dashboard.js', 'dashboard.css');
    if (input) panel.title = titleFor(input);
    this.disposables.push(
      webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)),
      panel.onDidDispose(() => this.dispose()),
    );
    DashboardPanel.panels.add(this);
  }

  /** The engine every panel asks for drill-down thumbnails. */
  static useEngine(engine: EngineClient): void {
    DashboardPanel.engine = engine;
  }

  /** Shows a report beside the editor, reusing the panel already showing it. */
  static async show(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, input: DashboardInput): Promise<DashboardPanel> {
    const existing = [...DashboardPanel.panels].find((p) => p.shows(input));
    if (existing) {
      existing.panel.reveal(undefined, true);
      await existing.refresh();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, titleFor(input), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: false,
    });
    return new DashboardPanel(context, panel, input, log);
  }

  /**
   * Points every panel that shows `previousReport` alone (not as a comparison) at `nextReport`, in
   * place (watch mode: a re-analysis writes a new run folder). Returns how many panels were updated.
   */
  static async replaceReport(previousReport: string, nextReport: string): Promise<number> {
    const showing = [...DashboardPanel.panels].filter((p) => p.input?.reportPath === previousReport && !p.input.comparePath);
    await Promise.all(showing.map((p) => p.showInput({ reportPath: nextReport })));
    return showing.length;
  }

  /** Re-sends the report to every panel (the workspace was just trusted). */
  static async reloadAll(): Promise<void> {
    await Promise.all([...DashboardPanel.panels].map((p) => p.refresh()));
  }

  /** Restores panels after a window reload from the state their webview saved. */
  static registerSerializer(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(DashboardPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        const input = parseDashboardInput((state as { input?: unknown } | undefined)?.input);
        log.info(input ? `restored a dashboard on ${input.reportPath}${input.comparePath ? ` vs ${input.comparePath}` : ''}` : 'restored a dashboard without a saved report path');
        new DashboardPanel(context, panel, input, log);
      },
    });
  }

  /** Points this panel at another report (watch mode) and re-renders. */
  async showInput(input: DashboardInput): Promise<void> {
    this.input = input;
    if (!this.disposed) this.panel.title = titleFor(input);
    await this.refresh();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    DashboardPanel.panels.delete(this);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private shows(input: DashboardInput): boolean {
    return this.input?.reportPath === input.reportPath && (this.input.comparePath ?? '') === (input.comparePath ?? '');
  }

  private async post(message: ToDashboardMessage): Promise<void> {
    if (!this.disposed) await this.panel.webview.postMessage(message);
  }

  private async refresh(): Promise<void> {
    if (!this.ready) {
      return; // the report is sent on `dashboard/ready`
    }
    const input = this.input;
    if (!input) {
      await this.post({ type: 'dashboard/showError', message: noInputMessage });
      return;
    }
    if (!vscode.workspace.isTrusted) {
      await this.post({ type: 'dashboard/showError', message: restrictedMessage });
      return;
    }
    try {
      const report = await readReportFile(input.reportPath);
      const compare = input.comparePath ? await readReportFile(input.comparePath) : null;
      if (input !== this.input) return; // pointed elsewhere meanwhile; that refresh wins
      this.report = report;
      await this.post({ type: 'dashboard/showReport', report, compare, title: runName(input.reportPath), input });
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
    if (message.type === 'dashboard/requestExamples') {
      await this.sendExamples(message);
      return;
    }
    if (message.type === 'dashboard/openExample') {
      await this.openExample(message);
      return;
    }
    await this.exportCsv(message);
  }

  /** Reads the asked eval examples through the engine (thumbnails, files) and answers the webview. */
  private async sendExamples(message: DashboardRequestExamplesMessage): Promise<void> {
    const report = this.report;
    const input = this.input;
    const engine = DashboardPanel.engine;
    const answer = (rest: { examples?: readonly DashboardExample[]; isFeatures?: boolean; error?: string }): Promise<void> =>
      this.post({ type: 'dashboard/examples', requestId: message.requestId, examples: rest.examples ?? [], isFeatures: rest.isFeatures ?? false, error: rest.error });
    if (!report || !input || !engine || !vscode.workspace.isTrusted) {
      await answer({ error: 'no report is loaded in this panel, or the workspace is not trusted' });
      return;
    }
    try {
      const result = await engine.request(ExamplesRequest, { eval: reportEvalPath(report, input.reportPath), indices: message.indices, preprocessing: report.preprocessing });
      for (const e of result.examples) if (e.file) this.exampleFiles.add(e.file);
      await answer({ examples: result.examples, isFeatures: result.isFeatures });
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.log.warn(`dashboard: examples: ${text}`);
      await answer({ error: text.split('\n')[0] });
    }
  }

  /** Opens or reveals an image file this panel was given (never a path the webview made up). */
  private async openExample(message: DashboardOpenExampleMessage): Promise<void> {
    if (!this.exampleFiles.has(message.file)) {
      this.log.warn('dashboard: refused to open a file the engine did not hand to this panel');
      return;
    }
    const uri = vscode.Uri.file(message.file);
    await vscode.commands.executeCommand(message.action === 'open' ? 'vscode.open' : 'revealInExplorer', uri);
  }

  private async exportCsv(message: DashboardExportCsvMessage): Promise<void> {
    // dashboard/exportCsv: never write next to (or over) the user's inputs without asking.
    const name = path.basename(message.suggestedName).replace(/[^\w.-]/g, '_') || 'classes.csv';
    const target = await vscode.window.showSaveDialog({
      defaultUri: this.input ? vscode.Uri.file(path.join(path.dirname(this.input.reportPath), name)) : undefined,
      filters: { CSV: ['csv'] },
      title: 'Export per-class table as CSV',
    });
    if (!target) {
      await this.post({ type: 'dashboard/didExportCsv', outcome: 'cancelled' });
      return;
    }
    try {
      await writeFileAtomically(target, new TextEncoder().encode(message.csv));
      await this.post({ type: 'dashboard/didExportCsv', outcome: 'saved', detail: target.fsPath });
      this.log.info(`exported ${message.rows} rows to ${target.fsPath}`);
    } catch (error) {
      await this.post({ type: 'dashboard/didExportCsv', outcome: 'failed', detail: error instanceof Error ? error.message : String(error) });
    }
  }
}
