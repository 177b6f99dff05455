/** Open report, Compare runs, Export report as HTML. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Report } from '../../protocol/report';
import { parseReport } from '../../protocol/validateReport';
import type { ExamplesParams, ExamplesResult } from '../../protocol/examplesParams';
import { standaloneThumbnailSide } from '../../protocol/webviewProtocol';
import { renderHtmlReport } from '../../report/htmlReport';
import { reportEvalPath, thumbnailSummary, thumbnailsForExport } from '../../report/thumbnailSelection';
import { readUserFile } from '../readUserFile';
import { writeFileAtomically } from '../replaceFile';

interface ReportItem extends vscode.QuickPickItem {
  readonly uri: vscode.Uri;
}

/** Every report.json of analyses and fine-tunes under the workspace's .longtail, newest first (folder names start with the time). */
export async function findReports(): Promise<vscode.Uri[]> {
  const uris = await vscode.workspace.findFiles('**/.longtail/{runs,finetune}/*/report.json', '**/node_modules/**', 500);
  const stamp = (u: vscode.Uri): string => path.basename(path.dirname(u.fsPath));
  return uris.sort((a, b) => stamp(b).localeCompare(stamp(a)));
}

async function readJson(uri: vscode.Uri): Promise<Report> {
  return parseReport(await readUserFile(uri.fsPath), uri.fsPath);
}

/** Quick pick of reports; returns undefined when dismissed. */
export async function pickReport(title: string, exclude?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const reports = (await findReports()).filter((u) => u.fsPath !== exclude?.fsPath);
  const items: ReportItem[] = [];
  for (const uri of reports) {
    let description = '';
    try {
      const r = await readJson(uri);
      description = `balanced error ${(100 * r.summary.balancedError).toFixed(2)}% · ${path.basename(r.model.path)}`;
    } catch {
      description = 'unreadable';
    }
    items.push({ label: `${uri.fsPath.includes(`${path.sep}finetune${path.sep}`) ? 'fine-tune ' : ''}${path.basename(path.dirname(uri.fsPath))}`, description, uri });
  }
  const browse = { label: '$(folder-opened) Browse…', uri: vscode.Uri.file('') } as ReportItem;
  const choice = await vscode.window.showQuickPick([...items, browse], { title, placeHolder: 'A report.json from .longtail/runs' });
  if (!choice) return undefined;
  if (choice === browse) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Long-Tail report': ['json'] }, title });
    return picked?.[0];
  }
  return choice.uri;
}

/** What "Export report as HTML" wrote: the file, and a one-line account of the example thumbnails. */
export interface ExportedHtml {
  readonly target: vscode.Uri;
  /** `48 example thumbnails (312 KiB of the 2 MiB budget)`, or null when none were embedded. */
  readonly thumbnails: string | null;
  /** Why no thumbnails were embedded (eval data gone, engine error), or null. */
  readonly note: string | null;
}

/**
 * Writes the standalone HTML page of a report (optionally compared with another) next to it. With `readExamples`
 * (the engine's data/examples), the report's top drill-down examples are embedded as thumbnails, as `longtail report`
 * does (same selection, 48 px side, 2 MiB budget); when the eval data cannot be read the page is still written, and
 * `note` says why.
 */
export async function exportReportHtml(
  extensionUri: vscode.Uri,
  reportUri: vscode.Uri,
  compareUri?: vscode.Uri,
  readExamples?: (params: ExamplesParams) => Promise<ExamplesResult>,
): Promise<ExportedHtml | undefined> {
  const report = await readJson(reportUri);
  const compare = compareUri ? await readJson(compareUri) : undefined;
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(path.join(path.dirname(reportUri.fsPath), compare ? 'compare.html' : 'report.html')),
    filters: { HTML: ['html'] },
    title: 'Export Long-Tail report as HTML',
  });
  if (!target) return undefined;
  const bundle = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'dashboard.js'));
  const css = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, 'media', 'dashboard.css'));
  const evalPath = reportEvalPath(report, reportUri.fsPath);
  const embedded = readExamples
    ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Long-Tail Lens: reading example thumbnails' }, () =>
        thumbnailsForExport(report, (indices) => readExamples({ eval: evalPath, indices, preprocessing: report.preprocessing, maxSide: standaloneThumbnailSide })),
      )
    : { thumbnails: null, note: null };
  const html = renderHtmlReport(report, {
    bundleJs: new TextDecoder().decode(bundle),
    css: new TextDecoder().decode(css),
    compare,
    thumbnails: embedded.thumbnails ?? undefined,
  });
  await writeFileAtomically(target, new TextEncoder().encode(html));
  return { target, thumbnails: thumbnailSummary(embedded.thumbnails), note: embedded.note };
}
