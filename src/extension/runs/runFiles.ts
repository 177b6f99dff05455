/**
 * The file operations the runs table needs, injected so that its logic (listing runs, reading and writing
 * tags.json) is vscode-free: the extension passes {@link vscodeRunFiles}-style adapters over
 * `vscode.workspace.fs`, unit tests pass Node's fs on a temporary folder. Paths are absolute file paths.
 */

/** A directory entry: its name and whether it is a folder. */
export interface RunDirEntry {
  readonly name: string;
  readonly isDirectory: boolean;
}

/** File access for the runs table. Every method rejects when the operation fails; `missing` tells "not there" apart. */
export interface RunFiles {
  /** The entries of a folder. */
  readDirectory(dir: string): Promise<RunDirEntry[]>;
  /** Size in bytes and modification time (ms) of a file; rejects for a missing file. */
  stat(file: string): Promise<{ readonly size: number; readonly mtime: number; readonly isFile: boolean }>;
  /** The whole file. */
  readFile(file: string): Promise<Uint8Array>;
  /** Creates or truncates `file` with `data`. */
  writeFile(file: string, data: Uint8Array): Promise<void>;
  /** Renames `from` to `to`, replacing `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file; resolves when it is not there. */
  delete(file: string): Promise<void>;
  /** True when the error a method rejected with means "no such file or folder". */
  missing(error: unknown): boolean;
}
