/**
 * `longtail report REPORT.json --html OUT.html [--compare OTHER.json] [--title T] [--force]`: writes the
 * self-contained HTML report (all dashboard sections on one printable page, no network access).
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal } from '../../protocol/progress';
import { renderHtmlReport } from '../../report/htmlReport';
import { reportEvalPath, thumbnailSummary, thumbnailsForExport } from '../../report/thumbnailSelection';
import { exampleThumbnails } from '../../engine/drilldown/exampleThumbnails';
import { standaloneThumbnailSide } from '../../protocol/webviewProtocol';
import { readReport } from '../../engine/report/readReport';
import { outputError } from '../../engine/io/fileAccess';
import type { CliIo } from '../cli';
import { UsageError } from '../usageError';

/** Help text of `longtail report`. */
export const reportUsage = `Usage: longtail report REPORT.json --html OUT.html [--compare OTHER.json] [--title TEXT] [--force]

Writes one self-contained HTML file (data, script and styles inlined; no network) with every dashboard
section: overview, weight norms, embeddings, confusion, post-hoc, per-class table, and, with --compare,
before/after deltas (REPORT.json is "before", OTHER.json "after").

Options:
  --html <file>        Output HTML file (required)
  --compare <file>     A second report.json to compare against
  --title <text>       Title shown in the page (default: the report's file name)
  --no-thumbnails      Embed no example thumbnails (by default the top drill-down examples are embedded,
                       read from the eval data the report names, at most 2 MiB in all)
  --force              Overwrite OUT.html if it exists
`;

/**
 * Where the dashboard bundle and its CSS are: next to the built CLI (dist/cli.js → dist/webview/dashboard.js,
 * media/dashboard.css), or from the source tree when run with tsx (src/cli/commands → dist/, media/).
 */
export function dashboardAssetPaths(baseDir: string = __dirname): { bundle: string; css: string } {
  const candidates = [baseDir, resolve(baseDir, '..', '..', '..', 'dist')];
  for (const dist of candidates) {
    const bundle = join(dist, 'webview', 'dashboard.js');
    if (existsSync(bundle)) return { bundle, css: resolve(dist, '..', 'media', 'dashboard.css') };
  }
  return { bundle: join(baseDir, 'webview', 'dashboard.js'), css: resolve(baseDir, '..', 'media', 'dashboard.css') };
}

async function readAsset(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw new LongtailError(ErrorCode.FileNotFound, `the ${what} is missing at ${file}; the installation is incomplete (run 'npm run bundle' in a source checkout)`, { file });
  }
}

function checkCancelled(signal: CancellationSignal): void {
  if (signal.isCancellationRequested) throw new LongtailError(ErrorCode.Cancelled, 'cancelled');
}

/** Writes `text` to `file` atomically: a temporary file in the same directory, then a rename. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx' });
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    // A write fault is the output's (read-only, full disk, permissions): exit 1 naming the file, not usage.
    throw outputError(error, file);
  }
}

/** Runs `longtail report …` (argv after the command name); returns the exit code. */
export async function runReport(argv: string[], io: CliIo, signal: CancellationSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      html: { type: 'string' },
      compare: { type: 'string' },
      title: { type: 'string' },
      force: { type: 'boolean', default: false },
      'no-thumbnails': { type: 'boolean', default: false },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(reportUsage);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length ? `report takes one REPORT.json (got ${positionals.length} paths)` : 'report needs a REPORT.json');
  }
  if (!values.html) throw new UsageError('report needs --html OUT.html');
  const input = positionals[0];
  const out = resolve(values.html);
  if (out === resolve(input) || (values.compare !== undefined && out === resolve(values.compare))) {
    throw new LongtailError(ErrorCode.OutputExists, `${values.html} is an input report; choose another output file`, { file: values.html });
  }
  const outDir = dirname(out);
  const dirStat = await stat(outDir).catch(() => null);
  if (!dirStat?.isDirectory()) throw new LongtailError(ErrorCode.FileNotFound, `the output directory ${outDir} does not exist`, { file: outDir });
  const existing = await stat(out).catch(() => null);
  if (existing?.isDirectory()) throw new LongtailError(ErrorCode.OutputExists, `${values.html} is a directory`, { file: values.html });
  if (existing && !values.force) throw new LongtailError(ErrorCode.OutputExists, `${values.html} exists; pass --force to overwrite it`, { file: values.html });

  const report = await readReport(input);
  const compare = values.compare === undefined ? undefined : await readReport(values.compare);
  checkCancelled(signal);
  const assets = dashboardAssetPaths();
  const [bundleJs, css] = await Promise.all([readAsset(assets.bundle, 'dashboard bundle'), readAsset(assets.css, 'dashboard stylesheet')]);
  let thumbnails = null;
  if (!values['no-thumbnails']) {
    // The eval data may not travel with the report: the HTML is still written, without images, and a note says why.
    const evalPath = reportEvalPath(report, resolve(input));
    const embedded = await thumbnailsForExport(report, (indices) => exampleThumbnails({ eval: evalPath, indices, preprocessing: report.preprocessing, maxSide: standaloneThumbnailSide }, signal));
    thumbnails = embedded.thumbnails;
    if (embedded.note) io.stderr(`note: ${embedded.note}\n`);
  }
  checkCancelled(signal);
  const html = renderHtmlReport(report, { bundleJs, css, compare, title: values.title ?? basename(input), thumbnails: thumbnails ?? undefined });
  checkCancelled(signal);
  await writeAtomically(out, html);
  const summary = thumbnailSummary(thumbnails);
  const images = summary ? `, ${summary}` : '';
  io.stdout(`wrote ${values.html} (${report.classes.length.toLocaleString('en-US')} classes${compare ? ', with comparison' : ''}${images}, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB)\n`);
  return 0;
}
