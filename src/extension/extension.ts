/** Extension entry point: wiring only. All computation happens in the engine child process. */
import * as vscode from 'vscode';
import type { AnalyseParams, AnalyseResult } from '../protocol/analysisParams';
import { InfoRequest } from '../protocol/engineProtocol';
import { analyseCheckpoint, runAnalysisWithProgress, type AnalyseDeps } from './commands/analyseCheckpoint';
import { fineTuneCommand, type FineTuneDeps } from './commands/fineTuneCommands';
import { exportReportHtml, pickReport } from './commands/reportCommands';
import { selectBackend } from './commands/selectBackend';
import { showEngineInfo } from './commands/showEngineInfo';
import { EngineClient } from './engineClient';
import { DashboardPanel } from './panels/dashboardPanel';
import { showError } from './showError';
import { LongtailStatusBar } from './statusBar';
import { RunsView } from './views/runsView';
import { WatchMode } from './watchMode';

/** Called by VS Code on first use of a contributed command, view or restored panel. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Long-Tail Lens', { log: true });
  const engine = new EngineClient(context.extensionUri, log);
  const statusBar = new LongtailStatusBar();
  const runsView = new RunsView();
  context.subscriptions.push(log, engine, statusBar, runsView, vscode.window.registerTreeDataProvider('longtail.runs', runsView));
  context.subscriptions.push(DashboardPanel.registerSerializer(context, log));

  let lastReport: string | undefined;
  const showReport = async (reportPath: string, comparePath?: string): Promise<void> => {
    await DashboardPanel.show(context, log, { reportPath, comparePath });
  };
  const onResult = (result: AnalyseResult, params: AnalyseParams): void => {
    lastReport = result.reportPath;
    statusBar.setBalancedError(result.balancedError);
    runsView.refresh();
    watch.watch(params);
  };
  const deps: AnalyseDeps = { engine, log, showReport, onResult };
  const watch = new WatchMode(async (params) => {
    const result = await runAnalysisWithProgress(deps, params, 'Long-Tail Lens: checkpoint changed, analysing again');
    onResult(result, params);
    await showReport(result.reportPath);
    return result.reportPath;
  }, log);
  context.subscriptions.push(watch);

  // Show the backend in the status bar once the engine has started (it starts on first use).
  const refreshBackend = async (): Promise<void> => {
    try {
      statusBar.setBackend((await engine.request(InfoRequest, {})).backend.name);
    } catch (error) {
      // Not shown as a notification here: the next command that needs the engine reports it.
      log.warn(`engine not available for the status bar: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const register = (id: string, fn: (...args: unknown[]) => Promise<unknown>): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await fn(...args);
        } catch (error) {
          await showError(error, log);
        }
      }),
    );
  };

  register('longtail.analyseCheckpoint', async (target) => {
    await analyseCheckpoint(deps, target instanceof vscode.Uri ? target : undefined);
    void refreshBackend();
  });
  const fineTuneDeps: FineTuneDeps = { extensionUri: context.extensionUri, engine, log, showReport };
  register('longtail.fineTuneLA', (target) => fineTuneCommand(fineTuneDeps, 'la', target instanceof vscode.Uri ? target : undefined));
  register('longtail.fineTuneELM', (target) => fineTuneCommand(fineTuneDeps, 'elm', target instanceof vscode.Uri ? target : undefined));
  register('longtail.fineTune', (target) => fineTuneCommand(fineTuneDeps, undefined, target instanceof vscode.Uri ? target : undefined));
  register('longtail.openReport', async (target) => {
    const uri = target instanceof vscode.Uri ? target : await pickReport('Open Long-Tail report');
    if (uri) await showReport(uri.fsPath);
  });
  register('longtail.openLastReport', async () => {
    if (lastReport) await showReport(lastReport);
    else await vscode.commands.executeCommand('longtail.openReport');
  });
  register('longtail.compareRuns', async () => {
    const before = await pickReport('Compare runs (1/2): before');
    if (!before) return;
    const after = await pickReport('Compare runs (2/2): after', before);
    if (after) await showReport(before.fsPath, after.fsPath);
  });
  register('longtail.exportReportHtml', async (target) => {
    const uri = target instanceof vscode.Uri ? target : await pickReport('Export Long-Tail report as HTML');
    if (!uri) return;
    const written = await exportReportHtml(context.extensionUri, uri);
    if (written) {
      const open = await vscode.window.showInformationMessage(`Long-Tail Lens: wrote ${written.fsPath}`, 'Reveal');
      if (open) await vscode.commands.executeCommand('revealFileInOS', written);
    }
  });
  register('longtail.showEngineInfo', async () => {
    const info = await showEngineInfo(engine, log);
    statusBar.setBackend(info.backend.name);
  });
  register('longtail.showEngineLog', async () => log.show(true));
  register('longtail.restartEngine', async () => {
    await engine.restart();
    log.info('engine restarted');
  });
  register('longtail.selectBackend', () => selectBackend());
  register('longtail.refreshRuns', async () => runsView.refresh());
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('longtail.backend') || e.affectsConfiguration('longtail.threads')) void refreshBackend();
    }),
  );
}

/** Nothing to do: disposables are in context.subscriptions. */
export function deactivate(): void {}
