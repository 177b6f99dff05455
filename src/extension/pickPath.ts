/** Quick pick of workspace files and folders, with "Browse…" and an optional "skip" entry. */
import * as path from 'node:path';
import * as vscode from 'vscode';

interface PathItem extends vscode.QuickPickItem {
  readonly uri?: vscode.Uri;
  readonly action?: 'browse' | 'skip';
}

/** Options of {@link pickPath}. */
export interface PickPathOptions {
  readonly title: string;
  readonly placeholder: string;
  readonly candidates: readonly vscode.Uri[];
  readonly folder: vscode.WorkspaceFolder;
  /** Workspace-relative path to put first (the last choice). */
  readonly preselect?: string;
  /** Label of a "skip" item; absent = the pick is required. */
  readonly skipLabel?: string;
  /** Browse dialog may select folders too. */
  readonly canSelectFolders: boolean;
}

/** Result: a path, `skip`, or undefined when the user dismissed the pick. */
export type PickPathResult = { readonly uri: vscode.Uri } | 'skip' | undefined;

/** Shows the pick. Paths are shown relative to the workspace folder (as text, never as markup). */
export async function pickPath(options: PickPathOptions): Promise<PickPathResult> {
  const rel = (u: vscode.Uri): string => path.relative(options.folder.uri.fsPath, u.fsPath) || '.';
  const items: PathItem[] = options.candidates.map((uri) => ({ label: rel(uri), description: path.basename(uri.fsPath) === rel(uri) ? undefined : path.dirname(rel(uri)), uri }));
  items.sort((a, b) => (a.label === options.preselect ? -1 : b.label === options.preselect ? 1 : a.label.localeCompare(b.label)));
  if (options.preselect && !items.some((i) => i.label === options.preselect)) {
    items.unshift({ label: options.preselect, description: 'last used', uri: vscode.Uri.joinPath(options.folder.uri, options.preselect) });
  } else if (options.preselect && items.length) {
    items[0] = { ...items[0], description: 'last used' };
  }
  items.push({ label: '$(folder-opened) Browse…', action: 'browse', alwaysShow: true });
  if (options.skipLabel) {
    items.push({ label: options.skipLabel, action: 'skip', alwaysShow: true });
  }
  const choice = await vscode.window.showQuickPick(items, { title: options.title, placeHolder: options.placeholder, matchOnDescription: true, ignoreFocusOut: true });
  if (!choice) {
    return undefined;
  }
  if (choice.action === 'skip') {
    return 'skip';
  }
  if (choice.action === 'browse') {
    const picked = await vscode.window.showOpenDialog({ defaultUri: options.folder.uri, canSelectFiles: true, canSelectFolders: options.canSelectFolders, canSelectMany: false, title: options.title });
    return picked?.[0] ? { uri: picked[0] } : undefined;
  }
  return choice.uri ? { uri: choice.uri } : undefined;
}
