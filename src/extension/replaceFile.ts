/**
 * Replacing a workspace file atomically from the extension host. `vscode.workspace.fs.rename(…, { overwrite: true })`
 * is not atomic: VS Code's file service deletes the target and then renames, so for a moment the file does not
 * exist (a reader sees it missing), and a rename that fails after the delete loses the user's file. For `file:`
 * URIs — the only kind Long-Tail Lens writes, as the extension host runs where the workspace folder is — the
 * rename here is Node's, one `rename(2)` that replaces the target in one step (`MoveFileEx` with
 * `MOVEFILE_REPLACE_EXISTING` on Windows). Other schemes fall back to VS Code's rename.
 */
import { promises as nodeFs } from 'node:fs';
import * as vscode from 'vscode';

/** Waits before the next try of a rename Windows refused (an indexer or virus scanner holding the new file). */
const windowsRetryDelaysMs = [50, 100, 200, 400, 800, 1600];

/**
 * Renames `from` over `to` in one step (see the file comment); `to` may exist. On Windows, a rename refused with
 * EPERM / EACCES / EBUSY (another program briefly holding one of the files) is tried again for up to ~3 s, as VS
 * Code's own file service does.
 */
export async function renameOver(from: vscode.Uri, to: vscode.Uri): Promise<void> {
  if (from.scheme === 'file' && to.scheme === 'file') {
    for (let attempt = 0; ; attempt++) {
      try {
        await nodeFs.rename(from.fsPath, to.fsPath);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const transient = process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY');
        if (!transient || attempt >= windowsRetryDelaysMs.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, windowsRetryDelaysMs[attempt]));
      }
    }
  }
  await vscode.workspace.fs.rename(from, to, { overwrite: true });
}

let tempCounter = 0;

/**
 * Writes `data` to a temporary sibling `.<name>.tmp-<time>-<n>` of `target`, then renames it over `target`, so a
 * reader sees the old file or the new one, never half a file or none. The temporary file is removed when the write
 * or the rename fails, and the error is rethrown.
 */
export async function writeFileAtomically(target: vscode.Uri, data: Uint8Array): Promise<void> {
  tempCounter++;
  const name = target.path.slice(target.path.lastIndexOf('/') + 1);
  const tmp = vscode.Uri.joinPath(target, '..', `.${name}.tmp-${Date.now().toString(36)}-${tempCounter}`);
  try {
    await vscode.workspace.fs.writeFile(tmp, data);
    await renameOver(tmp, target);
  } catch (error) {
    await Promise.resolve(vscode.workspace.fs.delete(tmp, { useTrash: false })).catch(() => undefined); // best effort: the write already failed
    throw error;
  }
}
