/**
 * The file operations the runs table needs, injected so that its logic (listing runs, reading and writing
 * tags.json) is vscode-free: the extension passes {@link vscodeRunFiles}-style adapters over
 * `vscode.workspace.fs`, unit tests pass Node's fs on a temporary folder. Paths are absolute file paths.
 */

/** A directory entry: its name, whether it is a folder (a link's target counts) and whether it is a symbolic link. */
export interface RunDirEntry {
  readonly name: string;
  readonly isDirectory: boolean;
  readonly isSymbolicLink: boolean;
}

/** What {@link RunFiles.stat} tells of a file; like `vscode.workspace.fs.stat`, a link's target is described and the link flagged. */
export interface RunFileStat {
  readonly size: number;
  readonly mtime: number;
  readonly isFile: boolean;
  readonly isSymbolicLink: boolean;
}

/** File access for the runs table. Every method rejects when the operation fails; `missing` tells "not there" apart. */
export interface RunFiles {
  /** The entries of a folder. */
  readDirectory(dir: string): Promise<RunDirEntry[]>;
  /** Size in bytes, modification time (ms) and kind of a file; rejects for a missing file. */
  stat(file: string): Promise<RunFileStat>;
  /** The canonical path of an existing file or folder, links resolved (to check that it lies in the workspace folder). */
  realPath(file: string): Promise<string>;
  /** The whole file. */
  readFile(file: string): Promise<Uint8Array>;
  /** Creates or truncates `file` with `data`. */
  writeFile(file: string, data: Uint8Array): Promise<void>;
  /** Renames `from` to `to`, replacing `to` in one step: a reader never sees `to` missing. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file; resolves when it is not there. */
  delete(file: string): Promise<void>;
  /** True when the error a method rejected with means "no such file or folder". */
  missing(error: unknown): boolean;
}
