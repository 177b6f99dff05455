/**
 * Lists every run of a workspace for the runs table: each folder under `.longtail/runs/` (analyses) and
 * `.longtail/finetune/` (fine-tunes) that holds a report.json, read through the one report validator
 * (parseReport). A report that cannot be read or fails the schema becomes a row with a one-line error;
 * it never stops the listing. Parsed reports are cached by size and modification time, so watch mode's
 * refresh after each new checkpoint re-reads only the new run.
 *
 * Bounded for hostile or huge workspaces: nothing is read outside the workspace folder (a run folder,
 * report.json, tags.json or training.json that is a symbolic link is not followed; `.longtail/` and its
 * kind folders must resolve inside the workspace folder); at most {@link runLimits}.entries folders per kind
 * folder are looked at, at most {@link runLimits}.rows runs listed (newest report.json first, found by
 * stat alone), and at most {@link runLimits}.readBytes of new reports parsed per listing; each cut is said
 * in a note.
 */
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { runTimeMs, type RunKind, type RunRow } from '../../protocol/runsTable';
import { escapeControls } from '../../protocol/untrustedText';
import { parseReport } from '../../protocol/validateReport';
import { parseJsonText } from '../parseJsonText';
import type { RunFiles, RunFileStat } from './runFiles';
import { invalidRunRow, oneLine, runRowFromReport, trainingInfoOf, type RunLocation, type TrainingInfo } from './runRow';
import { readTags } from './tagStore';

/** Limits of one listing. */
export const runLimits = {
  /** Largest report.json read, in bytes (a 2000-class report with its confusion matrix is ~60 MB). */
  reportBytes: 256 * 1024 * 1024,
  /** Largest training.json read, in bytes. */
  trainingBytes: 4 * 1024 * 1024,
  /** Most folders looked at in one kind folder (`.longtail/runs/`, `.longtail/finetune/`), last names first. */
  entries: 10_000,
  /** Most runs listed, newest report.json (modification time) first. */
  rows: 1000,
  /** Most bytes of reports not in the cache parsed by one listing; the rest are read by the next one. */
  readBytes: 1024 * 1024 * 1024,
} as const;

/** A run folder found by {@link RunCollector.collect}, with the paths the host acts on. */
export interface FoundRun {
  readonly row: RunRow;
  /** The workspace folder the run belongs to. */
  readonly root: string;
  readonly runDir: string;
  readonly reportPath: string;
  /** False for a run folder that was not read (a symbolic link): the host opens nothing and writes no tags there. */
  readonly actionable: boolean;
}

/** What one listing found. */
export interface RunListing {
  readonly runs: FoundRun[];
  /** One line each: what was left out and why (limits, links out of the workspace). */
  readonly notes: string[];
  /** True when reports were left for the next listing (the read budget ran out): the host lists again soon. */
  readonly incomplete: boolean;
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
export function inside(root: string, file: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * Checks, right before a tag write, that a listed run folder is still a plain folder whose real path lies
 * in its workspace folder (it may have been replaced by a link since the listing). Throws
 * NOT_REGULAR_FILE naming the folder otherwise.
 */
export async function checkRunStillInside(files: RunFiles, run: FoundRun): Promise<void> {
  const refuse = (why: string): never => {
    throw new LongtailError(ErrorCode.NotRegularFile, oneLine(`${run.runDir} ${why}; its tags are not written`), { file: run.runDir });
  };
  let st: RunFileStat;
  try {
    st = await files.stat(run.runDir);
  } catch (error) {
    return refuse(`cannot be read (${message(error)})`);
  }
  if (st.isSymbolicLink) return refuse('is now a symbolic link');
  const [rootReal, dirReal] = await Promise.all([files.realPath(run.root), files.realPath(run.runDir)]).catch(() => [null, null]);
  if (rootReal === null || dirReal === null || !inside(rootReal, dirReal)) refuse('does not lie in the workspace folder');
}

/** A run folder to list, before its report is read. */
interface Candidate {
  readonly root: string;
  readonly at: RunLocation;
  readonly runDir: string;
  readonly reportPath: string;
  /** report.json's stat; null when it could not be stat'ed (`failure` says why) or the folder is a link. */
  readonly st: RunFileStat | null;
  readonly failure: string | null;
  readonly linked: boolean;
}

const mb = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MB`;

/** Reads the runs of workspace folders, keeping parsed reports between calls. */
export class RunCollector {
  /** Rows by report path, with the report's size and mtime; tags are read afresh on every listing. */
  private readonly cache = new Map<string, { readonly key: string; readonly row: RunRow }>();

  constructor(private readonly files: RunFiles) {}

  /**
   * Every run of the given workspace folders (absolute paths), newest first (rows without a time last,
   * then by folder name). `id` is `<workspace index>/<kind>/<folder>`.
   */
  async collect(workspaces: readonly string[]): Promise<RunListing> {
    const notes: string[] = [];
    const candidates: Candidate[] = [];
    for (const [w, root] of workspaces.entries()) {
      let rootReal: string;
      try {
        rootReal = await this.files.realPath(root);
      } catch {
        continue;
      }
      for (const [kind, sub] of kinds) {
        const dir = path.join(root, '.longtail', sub);
        let entries;
        try {
          entries = await this.files.readDirectory(dir);
        } catch {
          continue; // no such folder (or unreadable): no runs of this kind
        }
        // `.longtail` or its kind folder may be a link: read it only when it resolves inside the workspace folder.
        const dirReal = await this.files.realPath(dir).catch(() => null);
        if (dirReal === null || !inside(rootReal, dirReal)) {
          notes.push(oneLine(`${dir} leads outside the workspace folder (a symbolic link): its runs are not read.`));
          continue;
        }
        // Temporary folders of atomic writes start with a dot.
        let folders = entries.filter((e) => e.isDirectory && !e.name.startsWith('.'));
        if (folders.length > runLimits.entries) {
          notes.push(oneLine(`${dir} holds ${folders.length} folders; the runs table looks at the ${runLimits.entries} last by name.`));
          folders = folders.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0)).slice(0, runLimits.entries);
        }
        for (const entry of folders) {
          const runDir = path.join(dir, entry.name);
          const reportPath = path.join(runDir, 'report.json');
          const at: RunLocation = { id: `${w}/${kind}/${entry.name}`, kind, folder: escapeControls(entry.name), reportPath: escapeControls(reportPath) };
          if (entry.isSymbolicLink) {
            candidates.push({ root, at, runDir, reportPath, st: null, failure: `${runDir} is a symbolic link; the runs table does not follow links`, linked: true });
            continue;
          }
          try {
            candidates.push({ root, at, runDir, reportPath, st: await this.files.stat(reportPath), failure: null, linked: false });
          } catch (error) {
            // No report.json: not a run, or one still being written.
            if (!this.files.missing(error)) candidates.push({ root, at, runDir, reportPath, st: null, failure: `${reportPath} cannot be read (${message(error)})`, linked: false });
          }
        }
      }
    }
    let kept = candidates;
    if (candidates.length > runLimits.rows) {
      kept = [...candidates].sort((a, b) => (b.st?.mtime ?? -Infinity) - (a.st?.mtime ?? -Infinity)).slice(0, runLimits.rows);
      notes.push(`${candidates.length} runs: the ${runLimits.rows} with the newest report.json are listed, ${candidates.length - runLimits.rows} older ones are not.`);
    }
    const found: FoundRun[] = [];
    const budget = { left: runLimits.readBytes, deferred: 0 };
    for (const c of kept) found.push(await this.readRun(c, budget));
    if (budget.deferred > 0) notes.push(`${budget.deferred} report${budget.deferred === 1 ? ' is' : 's are'} still being read (at most ${mb(runLimits.readBytes)} of new reports per listing).`);
    const seen = new Set(kept.map((c) => c.reportPath));
    for (const key of [...this.cache.keys()]) if (!seen.has(key)) this.cache.delete(key);
    found.sort((a, b) => {
      const ta = runTimeMs(a.row.createdAt);
      const tb = runTimeMs(b.row.createdAt);
      if (Number.isNaN(ta) !== Number.isNaN(tb)) return Number.isNaN(ta) ? 1 : -1;
      if (!Number.isNaN(ta) && ta !== tb) return tb - ta;
      return a.row.folder < b.row.folder ? 1 : a.row.folder > b.row.folder ? -1 : 0;
    });
    return { runs: found, notes, incomplete: budget.deferred > 0 };
  }

  /** One run's row: from the cache when report.json has not changed, else read within `budget`. */
  private async readRun(c: Candidate, budget: { left: number; deferred: number }): Promise<FoundRun> {
    const { at, runDir, reportPath, root } = c;
    const done = (row: RunRow): FoundRun => ({ row: c.linked ? { ...row, linked: true } : row, root, runDir, reportPath, actionable: !c.linked });
    let tags: string[] = [];
    let tagsError: string | null = null;
    if (!c.linked) {
      try {
        tags = await readTags(this.files, runDir);
      } catch (error) {
        tagsError = message(error);
      }
    }
    const st = c.st;
    if (st === null) return done(invalidRunRow(at, c.failure ?? `${reportPath} cannot be read`, tags, tagsError));
    if (st.isSymbolicLink) return done(invalidRunRow(at, `${reportPath} is a symbolic link; the runs table does not follow links`, tags, tagsError));
    if (!st.isFile) return done(invalidRunRow(at, `${reportPath} is not a file`, tags, tagsError));
    if (st.size > runLimits.reportBytes) {
      return done(invalidRunRow(at, `${reportPath} is ${st.size} bytes; the runs table reads reports of at most ${runLimits.reportBytes}`, tags, tagsError));
    }
    const key = `${st.size}:${st.mtime}`;
    const cached = this.cache.get(reportPath);
    if (cached && cached.key === key) return done({ ...cached.row, id: at.id, tags, tagsError });
    if (st.size > budget.left) {
      budget.deferred++;
      return done(invalidRunRow(at, `${reportPath} (${mb(st.size)}) is read at the next listing: this one has read ${mb(runLimits.readBytes - budget.left)} of reports`, tags, tagsError));
    }
    budget.left -= st.size;
    let row: RunRow;
    try {
      const bytes = await this.files.readFile(reportPath);
      // The file may have grown between stat and read.
      if (bytes.byteLength > runLimits.reportBytes) throw new Error(`it is ${bytes.byteLength} bytes; the runs table reads reports of at most ${runLimits.reportBytes}`);
      const report = parseReport(new TextDecoder().decode(bytes), reportPath);
      row = runRowFromReport(at, report, await this.trainingInfo(root, c.at.kind === 'finetune' ? runDir : null, report.model.path), tags, tagsError);
    } catch (error) {
      row = invalidRunRow(at, error instanceof LongtailError ? error.message : `${reportPath} cannot be read (${message(error)})`, tags, tagsError);
    }
    this.cache.set(reportPath, { key, row });
    return done(row);
  }

  /**
   * How the checkpoint was trained: a fine-tune's own training.json, else the training.json beside the
   * checkpoint when the checkpoint lies inside the workspace folder (the demo's baseline, a fine-tune
   * output analysed again). Null when there is none or it cannot be read.
   */
  private async trainingInfo(root: string, runDir: string | null, modelPath: string): Promise<TrainingInfo | null> {
    const candidates = [...(runDir ? [path.join(runDir, 'training.json')] : []), ...(path.isAbsolute(modelPath) && inside(root, modelPath) ? [path.join(path.dirname(modelPath), 'training.json')] : [])];
    const rootReal = await this.files.realPath(root).catch(() => null);
    for (const file of candidates) {
      try {
        const st = await this.files.stat(file);
        if (!st.isFile || st.isSymbolicLink || st.size > runLimits.trainingBytes) continue;
        // A folder on the way may be a link: read only a file whose real path lies in the workspace folder.
        if (rootReal === null || !inside(rootReal, await this.files.realPath(file))) continue;
        const info = trainingInfoOf(parseJsonText(new TextDecoder().decode(await this.files.readFile(file)), file));
        if (info.loss !== null || info.scope !== null) return info;
      } catch {
        // optional context: a missing or broken training.json leaves loss and scope unknown
      }
    }
    return null;
  }
}
