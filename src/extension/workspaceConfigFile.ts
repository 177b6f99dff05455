/**
 * Remembers choices in the workspace's `longtail.json`, keeping every other key as the user wrote it.
 * Written atomically (temp file + rename) so a crash never leaves a half-written file.
 */
import * as vscode from 'vscode';
import { ErrorCode, LongtailError } from '../protocol/errors';
import { parseJsonText } from './parseJsonText';
import { writeFileAtomically } from './replaceFile';

/** The inputs of the last analysis, relative to the workspace folder. */
export interface LastAnalysis {
  readonly model: string;
  readonly eval: string;
  readonly train?: string;
  readonly classCounts?: string;
}

function configUri(folder: vscode.WorkspaceFolder): vscode.Uri {
  return vscode.Uri.joinPath(folder.uri, 'longtail.json');
}

/** Reads longtail.json as a plain object ({} when absent or unreadable: the engine reports invalid files). */
export async function readConfigObject(folder: vscode.WorkspaceFolder): Promise<Record<string, unknown>> {
  try {
    const bytes = await vscode.workspace.fs.readFile(configUri(folder));
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Reads longtail.json for the settings resolver: undefined when the folder has none; a file that cannot
 * be read, is not JSON, or is not a JSON object is an INVALID_FILE error naming it (the engine would
 * refuse it too, so the user hears about it before anything runs).
 */
export async function readConfigFile(folder: vscode.WorkspaceFolder): Promise<{ path: string; content: Record<string, unknown> } | undefined> {
  const uri = configUri(folder);
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return undefined;
    throw new LongtailError(ErrorCode.InvalidFile, `${uri.fsPath}: cannot be read (${error instanceof Error ? error.message : String(error)})`, { file: uri.fsPath });
  }
  const parsed = parseJsonText(new TextDecoder().decode(bytes), uri.fsPath);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LongtailError(ErrorCode.InvalidFile, `${uri.fsPath}: must be a JSON object`, { file: uri.fsPath });
  }
  return { path: uri.fsPath, content: parsed as Record<string, unknown> };
}

/** The remembered inputs, if any. */
export async function readLastAnalysis(folder: vscode.WorkspaceFolder): Promise<LastAnalysis | undefined> {
  const last = (await readConfigObject(folder)).lastAnalysis as Partial<LastAnalysis> | undefined;
  return last && typeof last.model === 'string' && typeof last.eval === 'string' ? (last as LastAnalysis) : undefined;
}

/** Stores `lastAnalysis`, keeping the rest of the file. Skips writing when the file is not valid JSON. */
export async function writeLastAnalysis(folder: vscode.WorkspaceFolder, last: LastAnalysis): Promise<void> {
  const uri = configUri(folder);
  let existing: Record<string, unknown> = {};
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return;
    }
    existing = parsed as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof vscode.FileSystemError && error.code === 'FileNotFound')) {
      return; // unreadable or invalid JSON: never overwrite what the user wrote
    }
  }
  const next = { $schema: existing.$schema, ...existing, lastAnalysis: last };
  if (next.$schema === undefined) {
    delete next.$schema;
  }
  await writeFileAtomically(uri, new TextEncoder().encode(JSON.stringify(next, null, 2) + '\n'));
}
