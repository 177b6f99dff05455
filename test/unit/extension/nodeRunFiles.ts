/** {@link RunFiles} over Node's fs and report fixtures, for unit tests of the runs table on a temporary folder. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunFiles } from '../../../src/extension/runs/runFiles';
import type { Report } from '../../../src/protocol/report';
import { makeReport, type MakeReportOptions } from '../../fixtures/makeReport';

/** A report with a new time and model path (makeReport's are otherwise fixed). */
export function reportAt(createdAt: string, modelPath: string, options: MakeReportOptions): Report {
  const r = makeReport(options);
  return { ...r, createdAt, model: { ...r.model, path: modelPath } };
}

/**
 * Node fs as the runs table's file access, describing links as `vscode.workspace.fs` does (the target's
 * kind, the link flagged); `overrides` replace single operations (to inject faults).
 */
export function nodeRunFiles(overrides: Partial<RunFiles> = {}): RunFiles {
  const files: RunFiles = {
    async readDirectory(dir) {
      const entries = await fs.readdir(dir, { withFileTypes: true });
      return Promise.all(
        entries.map(async (d) => {
          const link = d.isSymbolicLink();
          const isDirectory = link ? await fs.stat(path.join(dir, d.name)).then((s) => s.isDirectory(), () => false) : d.isDirectory();
          return { name: d.name, isDirectory, isSymbolicLink: link };
        }),
      );
    },
    async stat(file) {
      const l = await fs.lstat(file);
      if (!l.isSymbolicLink()) return { size: l.size, mtime: l.mtimeMs, isFile: l.isFile(), isSymbolicLink: false };
      const st = await fs.stat(file).catch(() => null);
      return { size: st?.size ?? 0, mtime: st?.mtimeMs ?? l.mtimeMs, isFile: st?.isFile() ?? false, isSymbolicLink: true };
    },
    realPath: (file) => fs.realpath(file),
    readFile: (file) => fs.readFile(file),
    writeFile: (file, data) => fs.writeFile(file, data),
    rename: (from, to) => fs.rename(from, to),
    delete: (file) => fs.rm(file, { force: true }),
    missing: (error) => (error as NodeJS.ErrnoException | null)?.code === 'ENOENT',
  };
  return { ...files, ...overrides };
}
