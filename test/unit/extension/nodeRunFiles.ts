/** {@link RunFiles} over Node's fs, for unit tests of the runs table on a temporary folder. */
import { promises as fs } from 'node:fs';
import type { RunFiles } from '../../../src/extension/runs/runFiles';

/** Node fs as the runs table's file access; `overrides` replace single operations (to inject faults). */
export function nodeRunFiles(overrides: Partial<RunFiles> = {}): RunFiles {
  const files: RunFiles = {
    async readDirectory(dir) {
      return (await fs.readdir(dir, { withFileTypes: true })).map((d) => ({ name: d.name, isDirectory: d.isDirectory() }));
    },
    async stat(file) {
      const st = await fs.stat(file);
      return { size: st.size, mtime: st.mtimeMs, isFile: st.isFile() };
    },
    readFile: (file) => fs.readFile(file),
    writeFile: (file, data) => fs.writeFile(file, data),
    rename: (from, to) => fs.rename(from, to),
    delete: (file) => fs.rm(file, { force: true }),
    missing: (error) => (error as NodeJS.ErrnoException | null)?.code === 'ENOENT',
  };
  return { ...files, ...overrides };
}
