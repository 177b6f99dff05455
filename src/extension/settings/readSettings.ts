/**
 * Gathers the layers of the analysis settings from VS Code (contributed defaults and explicit values via
 * `config.inspect()`, the folder's longtail.json) and resolves them with {@link resolveSettings}. The one
 * entry every command (analyse, fine-tune, watch mode) uses.
 */
import * as vscode from 'vscode';
import { readConfigFile } from '../workspaceConfigFile';
import { analysisSettingKeys, resolveSettings, settingIds, type AnalysisSettingKey, type ResolvedSettings, type SettingInspection } from './resolveSettings';

/**
 * Resolves batch size, bucket thresholds and confusion-matrix limit for `folder`: defaults <
 * longtail.json < explicit user / workspace / folder settings < `args` (a command's options object).
 */
export async function readAnalysisSettings(folder: vscode.WorkspaceFolder | undefined, args?: unknown): Promise<ResolvedSettings> {
  const config = vscode.workspace.getConfiguration('longtail', folder?.uri);
  const inspect: Partial<Record<AnalysisSettingKey, SettingInspection | undefined>> = {};
  for (const key of analysisSettingKeys) {
    inspect[key] = config.inspect(settingIds[key]);
  }
  const file = folder ? await readConfigFile(folder) : undefined;
  return resolveSettings({ inspect, file, args });
}
