/** Reads a file the user named (a report, longtail.json) with failures in the project's one error type. */
import * as vscode from 'vscode';
import { ErrorCode, LongtailError } from '../protocol/errors';

/**
 * The file's text (UTF-8). A missing file is FILE_NOT_FOUND, any other read failure INVALID_FILE; both
 * name the file in a one-line message.
 */
export async function readUserFile(file: string): Promise<string> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') {
      throw new LongtailError(ErrorCode.FileNotFound, `${file} does not exist`, { file });
    }
    if (error instanceof vscode.FileSystemError && error.code === 'FileIsADirectory') {
      throw new LongtailError(ErrorCode.InvalidFile, `${file} is a folder, not a file`, { file });
    }
    throw new LongtailError(ErrorCode.InvalidFile, `${file} cannot be read (${error instanceof Error ? error.message : String(error)})`, { file });
  }
}
