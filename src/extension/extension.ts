/** Extension entry point: wiring only. All computation happens in the engine child process. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalyseParams, AnalyseResult } from '../protocol/analysisParams';
import { ExamplesRequest, InfoRequest } from '../protocol/engineProtocol';
import { analyseCheckpoint, runAnalysisWithProgress, type AnalyseDeps } from './commands/analyseCheckpoint';
import { fineTuneCommand, type FineTuneDeps } from './commands/fineTuneCommands';
import { exportReportHtml, pickReport } from './commands/reportCommands';
import { selectBackend } from './commands/selectBackend';
import { showEngineInfo } from './commands/showEngineInfo';
import { EngineClient } from './engineClient';
import { DashboardPanel } from './panels/dashboardPanel';
import { TrainingPanel } from './panels/trainingPanel';
import { showError } from './showError';
import { LongtailStatusBar } from './statusBar';
import { RunsPanel } from './runs/runsPanel';
import { RunsView } from './views/runsView';
import { readAnalysisSettings } from './settings/readSettings';
import { WatchMode } from './watchMode';

/** Called by VS Code on first use of a contributed command, view or restored panel. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Long-Tail Lens', { log: true });
  const engine = new EngineClient(context.extensionUri, log);
  const statusBar = new LongtailStatusBar();
  const runsView = new RunsView();
  context.subscriptions.push(log, engine, statusBar, runsView, vscode.window.registerTreeDataProvider('longtail.runs', runsView));
  context.subscriptions.push(DashboardPanel.registerSerializer(context, log), TrainingPanel.registerSerializer(context.extensionUri, log));
  DashboardPanel.useEngine(engine);
  context.subscriptions.push(RunsPanel.register(context, log));

  // The last result survives a window reload (workspace state), so a restored dashboard's activation brings
  // the status bar's balanced error back and "Open last report" still knows what to open.
  const lastResultKey = 'longtail.lastResult';
  const saved = context.workspaceState.get<{ reportPath?: unknown; balancedError?: unknown }>(lastResultKey);
  let lastReport: string | undefined = typeof saved?.reportPath === 'string' ? saved.reportPath : undefined;
  if (lastReport && typeof saved?.balancedError === 'number' && Number.isFinite(saved.balancedError)) statusBar.setBalancedError(saved.balancedError);
  const showReport = async (reportPath: string, comparePath?: string): Promise<void> => {
    await DashboardPanel.show(context, log, { reportPath, comparePath });
  };
  const recordResult = (result: AnalyseResult): void => {
    lastReport = result.reportPath;
    statusBar.setBalancedError(result.balancedError);
    void context.workspaceState.update(lastResultKey, { reportPath: result.reportPath, balancedError: result.balancedError });
    runsView.refresh();
    RunsPanel.refresh();
  };
  const onResult = (result: AnalyseResult, params: AnalyseParams, overrides?: unknown): void => {
    recordResult(result);
    watch.watch({ params, overrides }, result.reportPath);
  };
  const deps: AnalyseDeps = { engine, log, showReport, onResult };
  // Watch mode: settings are resolved again for every re-analysis (longtail.json or a setting may have
  // changed), and the dashboard showing the previous report is pointed at the new one in place.
  const watch = new WatchMode(async (target, previousReport) => {
    if (!vscode.workspace.isTrusted) throw new Error('the workspace is not trusted any more');
    const folder = target.params.workspace ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(target.params.workspace)) : undefined;
    const settings = await readAnalysisSettings(folder, target.overrides);
    const params: AnalyseParams = { ...target.params, ...settings.values };
    const result = await runAnalysisWithProgress(deps, params, `Long-Tail Lens: ${path.basename(params.model ?? params.eval)} changed, analysing again`);
    recordResult(result);
    const updated = await DashboardPanel.replaceReport(previousReport, result.reportPath);
    log.info(
      `watch mode: balanced error ${(100 * result.balancedError).toFixed(2)}% (${result.reportPath}); ` +
        (updated ? `updated ${updated} dashboard${updated === 1 ? '' : 's'} in place` : 'no dashboard showed this checkpoint, none opened'),
    );
    return result.reportPath;
  }, log, context.workspaceState);
  context.subscriptions.push(watch);
  // Checkpoints watched before a window reload are watched again (their dashboards are restored too).
  if (vscode.workspace.isTrusted) watch.restore();
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      runsView.refresh();
      watch.restore();
      void DashboardPanel.reloadAll();
    }),
  );

  // Show the backend in the status bar once the engine has started (it starts on first use).
  const refreshBackend = async (): Promise<void> => {
    try {
      const { backend } = await engine.request(InfoRequest, {});
      statusBar.setBackend(backend.name, backend.label);
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

  // Command arguments: the target checkpoint (explorer menu or a Uri), then an options object such as
  // { manyThreshold: 50 } that overrides every other settings layer (docs/settings.md).
  register('longtail.analyseCheckpoint', async (target, options) => {
    await analyseCheckpoint(deps, target instanceof vscode.Uri ? target : undefined, options);
    void refreshBackend();
  });
  const fineTuneDeps: FineTuneDeps = { extensionUri: context.extensionUri, engine, log, showReport };
  register('longtail.fineTuneLA', (target, options) => fineTuneCommand(fineTuneDeps, 'la', target instanceof vscode.Uri ? target : undefined, options));
  register('longtail.fineTuneELM', (target, options) => fineTuneCommand(fineTuneDeps, 'elm', target instanceof vscode.Uri ? target : undefined, options));
  register('longtail.fineTune', (target, options) => fineTuneCommand(fineTuneDeps, undefined, target instanceof vscode.Uri ? target : undefined, options));
  // Restricted Mode: nothing is read from the workspace (reports included); say why instead.
  const trusted = async (): Promise<boolean> => {
    if (vscode.workspace.isTrusted) return true;
    const choice = await vscode.window.showWarningMessage(
      'Long-Tail Lens reads nothing from this workspace in Restricted Mode (checkpoints, datasets and reports). Trust the workspace to use it.',
      'Manage Workspace Trust',
    );
    if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
    return false;
  };
  register('longtail.openReport', async (target) => {
    if (!(await trusted())) return;
    const uri = target instanceof vscode.Uri ? target : await pickReport('Open Long-Tail report');
    if (uri) await showReport(uri.fsPath);
  });
  register('longtail.openLastReport', async () => {
    if (!(await trusted())) return;
    if (lastReport) await showReport(lastReport);
    else await vscode.commands.executeCommand('longtail.openReport');
  });
  register('longtail.compareRuns', async () => {
    if (!(await trusted())) return;
    const before = await pickReport('Compare runs (1/2): before');
    if (!before) return;
    const after = await pickReport('Compare runs (2/2): after', before);
    if (after) await showReport(before.fsPath, after.fsPath);
  });
  register('longtail.exportReportHtml', async (target) => {
    if (!(await trusted())) return;
    const uri = target instanceof vscode.Uri ? target : await pickReport('Export Long-Tail report as HTML');
    if (!uri) return;
    const written = await exportReportHtml(context.extensionUri, uri, undefined, (params) => engine.request(ExamplesRequest, params));
    if (written) {
      if (written.note) log.warn(`export HTML: ${written.note}`);
      const extra = written.thumbnails ? ` with ${written.thumbnails}` : written.note ? ` (${written.note})` : '';
      const open = await vscode.window.showInformationMessage(`Long-Tail Lens: wrote ${written.target.fsPath}${extra}`, 'Reveal');
      if (open) await vscode.commands.executeCommand('revealFileInOS', written.target);
    }
  });
  register('longtail.showEngineInfo', async () => {
    const info = await showEngineInfo(engine, log);
    statusBar.setBackend(info.backend.name, info.backend.label);
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
