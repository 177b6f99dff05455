/** The one place that turns an engine or extension error into a user notification. */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { ErrorCode, toLongtailError } from '../protocol/errors';
import { looksLikeText } from './fileKind';

/** Opens the file an error names: text files in an editor, binary files and folders revealed in the explorer. */
async function openErrorFile(file: string, log: vscode.LogOutputChannel): Promise<void> {
  const uri = vscode.Uri.file(file);
  let isDirectory: boolean;
  try {
    isDirectory = (await fs.stat(file)).isDirectory();
  } catch {
    await vscode.window.showWarningMessage(`Long-Tail Lens: ${file} does not exist (any more).`);
    return;
  }
  let text = false;
  if (!isDirectory) {
    try {
      const handle = await fs.open(file, 'r');
      try {
        const head = new Uint8Array(8192);
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        text = looksLikeText(file, head.subarray(0, bytesRead));
      } finally {
        await handle.close();
      }
    } catch (error) {
      log.warn(`could not read ${file} to open it: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (text) {
    await vscode.window.showTextDocument(uri, { preview: true });
  } else if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
  } else {
    await vscode.commands.executeCommand('revealFileInOS', uri);
  }
}

/**
 * Shows one clear notification (no stack trace) with "Show log" and, when the error names a file,
 * "Open file" (an editor for text files; the explorer for binary files and folders). Cancellations stay
 * silent.
 */
export async function showError(error: unknown, log: vscode.LogOutputChannel): Promise<void> {
  const e = toLongtailError(error);
  if (e.code === ErrorCode.Cancelled) {
    log.info('cancelled by the user');
    return;
  }
  log.error(`error[${e.code}]: ${e.message}${e.detail ? `\n${e.detail}` : ''}`);
  const actions = e.file ? ['Show log', 'Open file'] : ['Show log'];
  const choice = await vscode.window.showErrorMessage(`Long-Tail Lens: ${e.message}`, ...actions);
  if (choice === 'Show log') {
    log.show(true);
  } else if (choice === 'Open file' && e.file) {
    await openErrorFile(e.file, log);
  }
}
