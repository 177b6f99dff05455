/** The one place that turns an engine or extension error into a user notification. */
import * as vscode from 'vscode';
import { ErrorCode, toLongtailError } from '../protocol/errors';

/** Shows one clear notification (no stack trace) with a "Show log" action; cancellations stay silent. */
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
    await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(e.file));
  }
}
