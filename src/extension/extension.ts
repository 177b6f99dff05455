/** Extension entry point: wiring only. All computation happens in the engine child process. */
import * as vscode from 'vscode';
import { showEngineInfo } from './commands/showEngineInfo';
import { EngineClient } from './engineClient';
import { showError } from './showError';

/** Called by VS Code on first use of a contributed command. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Long-Tail Lens', { log: true });
  const engine = new EngineClient(context.extensionUri, log);
  context.subscriptions.push(log, engine);

  const register = (id: string, fn: () => Promise<unknown>): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async () => {
        try {
          await fn();
        } catch (error) {
          await showError(error, log);
        }
      }),
    );
  };

  register('longtail.analyseCheckpoint', async () => {
    if (!vscode.workspace.isTrusted) {
      await vscode.window.showWarningMessage('Long-Tail Lens loads checkpoints and datasets only in a trusted workspace.');
      return;
    }
    // The analysis pipeline arrives with the diagnostics work; until then this verifies the engine.
    await showEngineInfo(engine, log);
  });
  register('longtail.showEngineInfo', () => showEngineInfo(engine, log));
  register('longtail.showEngineLog', async () => log.show(true));
  register('longtail.restartEngine', async () => {
    await engine.restart();
    log.info('engine restarted');
  });
}

/** Nothing to do: disposables are in context.subscriptions. */
export function deactivate(): void {}
