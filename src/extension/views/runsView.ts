/**
 * The "Long-Tail runs" tree: every report under `<workspace>/.longtail/runs/` (analyses) and
 * `.longtail/finetune/` (fine-tunes, whose children include the new checkpoint),
 * newest first, with its balanced error; children show the checkpoint and data it was computed on.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

/** What the tree shows of a report (read from its JSON). */
interface RunSummary {
  readonly reportUri: vscode.Uri;
  readonly name: string;
  readonly createdAt: string;
  readonly balancedError: number | null;
  readonly model: string | null;
  readonly evalData: string | null;
  readonly backend: string | null;
}

type Node = { readonly kind: 'run'; readonly run: RunSummary } | { readonly kind: 'detail'; readonly label: string; readonly value: string; readonly uri?: vscode.Uri };

async function readRun(reportUri: vscode.Uri, name: string): Promise<RunSummary | undefined> {
  try {
    const json = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(reportUri))) as Record<string, unknown>;
    const summary = json.summary as { balancedError?: unknown } | undefined;
    const model = json.model as { path?: unknown } | undefined;
    const data = json.data as { eval?: { path?: unknown } } | undefined;
    const engine = json.engine as { backend?: unknown } | undefined;
    return {
      reportUri,
      name,
      createdAt: typeof json.createdAt === 'string' ? json.createdAt : '',
      balancedError: typeof summary?.balancedError === 'number' ? summary.balancedError : null,
      model: typeof model?.path === 'string' ? model.path : null,
      evalData: typeof data?.eval?.path === 'string' ? data.eval.path : null,
      backend: typeof engine?.backend === 'string' ? engine.backend : null,
    };
  } catch {
    return undefined;
  }
}

/** Tree data provider for the runs view. */
export class RunsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watcher: vscode.FileSystemWatcher;

  constructor() {
    this.watcher = vscode.workspace.createFileSystemWatcher('**/.longtail/{runs,finetune}/*/report.json');
    this.watcher.onDidCreate(() => this.refresh());
    this.watcher.onDidDelete(() => this.refresh());
    this.watcher.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      // Restricted Mode: nothing is read, so the view shows its welcome text saying why.
      if (!vscode.workspace.isTrusted) return [];
      const runs: RunSummary[] = [];
      for (const folder of vscode.workspace.workspaceFolders ?? []) {
        for (const kind of ['runs', 'finetune'] as const) {
          const runsDir = vscode.Uri.joinPath(folder.uri, '.longtail', kind);
          let entries: [string, vscode.FileType][] = [];
          try {
            entries = await vscode.workspace.fs.readDirectory(runsDir);
          } catch {
            continue;
          }
          for (const [name, type] of entries) {
            if (type === vscode.FileType.Directory && !name.startsWith('.')) {
              const run = await readRun(vscode.Uri.joinPath(runsDir, name, 'report.json'), kind === 'finetune' ? `fine-tune ${name}` : name);
              if (run) runs.push(run);
            }
          }
        }
      }
      runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return runs.map((run) => ({ kind: 'run', run }));
    }
    if (node.kind === 'run') {
      const r = node.run;
      const details: Node[] = [];
      if (r.model) details.push({ kind: 'detail', label: 'checkpoint', value: r.model, uri: vscode.Uri.file(r.model) });
      if (r.evalData) details.push({ kind: 'detail', label: 'eval data', value: r.evalData });
      if (r.backend) details.push({ kind: 'detail', label: 'backend', value: r.backend });
      details.push({ kind: 'detail', label: 'report', value: r.reportUri.fsPath, uri: r.reportUri });
      return details;
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'run') {
      const r = node.run;
      const item = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = r.balancedError !== null ? `balanced error ${(100 * r.balancedError).toFixed(2)}%` : undefined;
      item.tooltip = `${r.model ?? ''}\n${r.createdAt}`;
      item.iconPath = new vscode.ThemeIcon('graph');
      item.contextValue = 'longtailRun';
      item.command = { command: 'longtail.openReport', title: 'Open report', arguments: [r.reportUri] };
      return item;
    }
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
    item.description = path.basename(node.value);
    item.tooltip = node.value;
    if (node.uri) {
      item.resourceUri = node.uri;
      item.command = { command: 'vscode.open', title: 'Open', arguments: [node.uri] };
    }
    return item;
  }
}
