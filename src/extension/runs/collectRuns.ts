/**
 * Lists every run of a workspace for the runs table: each folder under `.longtail/runs/` (analyses) and
 * `.longtail/finetune/` (fine-tunes) that holds a report.json, read through the one report validator
 * (parseReport). A report that cannot be read or fails the schema becomes a row with a one-line error;
 * it never stops the listing. Parsed reports are cached by size and modification time, so watch mode's
 * refresh after each new checkpoint re-reads only the new run.
 */
import * as path from 'node:path';
import { LongtailError } from '../../protocol/errors';
import { parseReport } from '../../protocol/validateReport';
import type { RunKind, RunRow } from '../../protocol/runsTable';
import type { RunFiles } from './runFiles';
import { invalidRunRow, oneLine, runRowFromReport, trainingInfoOf, type RunLocation, type TrainingInfo } from './runRow';
import { readTags } from './tagStore';

/** Largest report.json read, in bytes (a 2000-class report with its confusion matrix is ~60 MB). */
export const maxReportBytes = 256 * 1024 * 1024;
/** Largest training.json read, in bytes. */
const maxTrainingBytes = 4 * 1024 * 1024;

/** A run folder found by {@link RunCollector.collect}, with the paths the host acts on. */
export interface FoundRun {
  readonly row: RunRow;
  readonly runDir: string;
  readonly reportPath: string;
}

/** The kinds of run folders, in listing order, and the folder under `.longtail/` that holds each. */
const kinds: readonly [RunKind, string][] = [
  ['analysis', 'runs'],
  ['finetune', 'finetune'],
];

function message(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}

/** True when `file` lies inside `root` (both absolute; compared after normalising). */
function inside(root: string, file: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Reads the runs of workspace folders, keeping parsed reports between calls. */
export class RunCollector {
  /** Rows by report path, with the report's size and mtime; tags are read afresh on every listing. */
  private readonly cache = new Map<string, { readonly key: string; readonly row: RunRow }>();

  constructor(private readonly files: RunFiles) {}

  /**
   * Every run of the given workspace folders (absolute paths), newest first (rows without a time last,
   * then by folder name). `id` is `<workspace index>/<kind>/<folder>`.
   */
  async collect(workspaces: readonly string[]): Promise<FoundRun[]> {
    const found: FoundRun[] = [];
    const seen = new Set<string>();
    for (const [w, root] of workspaces.entries()) {
      for (const [kind, sub] of kinds) {
        const dir = path.join(root, '.longtail', sub);
        let entries;
        try {
          entries = await this.files.readDirectory(dir);
        } catch {
          continue; // no such folder (or unreadable): no runs of this kind
        }
        for (const entry of entries) {
          // Temporary folders of atomic writes start with a dot.
          if (!entry.isDirectory || entry.name.startsWith('.')) continue;
          const runDir = path.join(dir, entry.name);
          const reportPath = path.join(runDir, 'report.json');
          const at: RunLocation = { id: `${w}/${kind}/${entry.name}`, kind, folder: entry.name, reportPath };
          const run = await this.readRun(root, at, runDir);
          if (run) {
            found.push(run);
            seen.add(reportPath);
          }
        }
      }
    }
    for (const key of [...this.cache.keys()]) if (!seen.has(key)) this.cache.delete(key);
    found.sort((a, b) => {
      const ta = a.row.createdAt === null ? NaN : Date.parse(a.row.createdAt);
      const tb = b.row.createdAt === null ? NaN : Date.parse(b.row.createdAt);
      if (Number.isNaN(ta) !== Number.isNaN(tb)) return Number.isNaN(ta) ? 1 : -1;
      if (!Number.isNaN(ta) && ta !== tb) return tb - ta;
      return a.row.folder < b.row.folder ? 1 : a.row.folder > b.row.folder ? -1 : 0;
    });
    return found;
  }

  /** One run, or undefined when the folder has no report.json (not a run, or still being written). */
  private async readRun(root: string, at: RunLocation, runDir: string): Promise<FoundRun | undefined> {
    const reportPath = at.reportPath;
    let tags: string[] = [];
    let tagsError: string | null = null;
    try {
      tags = await readTags(this.files, runDir);
    } catch (error) {
      tagsError = message(error);
    }
    let st;
    try {
      st = await this.files.stat(reportPath);
    } catch (error) {
      if (this.files.missing(error)) return undefined;
      return { row: invalidRunRow(at, `${reportPath} cannot be read (${message(error)})`, tags, tagsError), runDir, reportPath };
    }
    if (!st.isFile) return { row: invalidRunRow(at, `${reportPath} is not a file`, tags, tagsError), runDir, reportPath };
    if (st.size > maxReportBytes) {
      return { row: invalidRunRow(at, `${reportPath} is ${st.size} bytes; the runs table reads reports of at most ${maxReportBytes}`, tags, tagsError), runDir, reportPath };
    }
    const key = `${st.size}:${st.mtime}`;
    const cached = this.cache.get(reportPath);
    if (cached && cached.key === key) return { row: { ...cached.row, id: at.id, tags, tagsError }, runDir, reportPath };
    let row: RunRow;
    try {
      const text = new TextDecoder().decode(await this.files.readFile(reportPath));
      const report = parseReport(text, reportPath);
      row = runRowFromReport(at, report, await this.trainingInfo(root, at.kind === 'finetune' ? runDir : null, report.model.path), tags, tagsError);
    } catch (error) {
      row = invalidRunRow(at, error instanceof LongtailError ? error.message : `${reportPath} cannot be read (${message(error)})`, tags, tagsError);
    }
    this.cache.set(reportPath, { key, row });
    return { row, runDir, reportPath };
  }

  /**
   * How the checkpoint was trained: a fine-tune's own training.json, else the training.json beside the
   * checkpoint when the checkpoint lies inside the workspace folder (the demo's baseline, a fine-tune
   * output analysed again). Null when there is none or it cannot be read.
   */
  private async trainingInfo(root: string, runDir: string | null, modelPath: string): Promise<TrainingInfo | null> {
    const candidates = [...(runDir ? [path.join(runDir, 'training.json')] : []), ...(path.isAbsolute(modelPath) && inside(root, modelPath) ? [path.join(path.dirname(modelPath), 'training.json')] : [])];
    for (const file of candidates) {
      try {
        const st = await this.files.stat(file);
        if (!st.isFile || st.size > maxTrainingBytes) continue;
        const info = trainingInfoOf(JSON.parse(new TextDecoder().decode(await this.files.readFile(file))));
        if (info.loss !== null || info.scope !== null) return info;
      } catch {
        // optional context: a missing or broken training.json leaves loss and scope unknown
      }
    }
    return null;
  }
}
