/** `longtail demo`: the default demo (Fashion-MNIST-LT, a small ERM CNN, the analysis). */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CancellationSignal } from '../../protocol/progress';
import { runDemo } from '../../engine/demo/runDemo';
import { writeFileAtomic } from '../../engine/output/atomicOutput';
import { renderHtmlReport } from '../../report/htmlReport';
import type { CliIo } from '../cli';
import { commonOptions, engineFromOptions } from '../commonOptions';
import { UsageError } from '../usageError';
import { formatSummary } from './analyse';
import { dashboardAssetPaths } from './report';

/** Usage text of `longtail demo`. */
export const demoUsage = `Usage: longtail demo [--workspace DIR] [--data DIR] [--ratio R] [--epochs N] [--seed S]

Makes Fashion-MNIST-LT (Debian's dataset-fashion-mnist; generated stand-in images when absent),
trains a small ERM CNN (kept in DIR/.longtail/demo and reused), analyses it and writes report.json
and report.html (the dashboards as one offline page) into DIR/.longtail/runs/<time>/.
`;

/** Runs `longtail demo`. */
export async function runDemoCommand(argv: string[], io: CliIo, signal: CancellationSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string', default: '.' },
      data: { type: 'string' },
      ratio: { type: 'string', default: '100' },
      epochs: { type: 'string', default: '4' },
      seed: { type: 'string', default: '0' },
      ...commonOptions,
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(demoUsage);
    return 0;
  }
  const ratio = Number(values.ratio);
  const epochs = Number(values.epochs);
  const seed = Number(values.seed);
  if (!(ratio >= 1)) throw new UsageError(`--ratio must be ≥ 1 (got '${values.ratio}')`);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 200) throw new UsageError(`--epochs must be an integer from 1 to 200 (got '${values.epochs}')`);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer (got '${values.seed}')`);
  const engine = await engineFromOptions(values);
  const info = engine.info();
  io.stderr(`engine: Long-Tail Lens ${info.version} on ${info.backend.name} (${info.threads} thread${info.threads === 1 ? '' : 's'})\n`);
  let last = 0;
  const outcome = await runDemo({
    workspace: values.workspace,
    dataDir: values.data,
    ratio,
    seed,
    epochs,
    backend: info.backend.name,
    signal,
    log: (line) => io.stderr(`${line}\n`),
    onProgress: (s) => {
      const now = Date.now();
      if (io.progress && now - last > 2000 && s.total) {
        last = now;
        io.stderr(`  ${s.phase}: ${s.done}/${s.total}${s.etaMs !== null ? `, ETA ${Math.round(s.etaMs / 1000)}s` : ''}\n`);
      }
    },
  });
  io.stdout(formatSummary(outcome.report, outcome.result));
  // The same dashboards as the VS Code panel, as one self-contained page next to report.json.
  const assets = dashboardAssetPaths();
  const html = renderHtmlReport(outcome.report, {
    bundleJs: await readFile(assets.bundle, 'utf8'),
    css: await readFile(assets.css, 'utf8'),
    title: 'Long-Tail Lens demo: small CNN on Fashion-MNIST-LT',
  });
  const htmlPath = path.join(path.dirname(outcome.result.reportPath), 'report.html');
  await writeFileAtomic(htmlPath, html);
  io.stdout(`  dashboard: ${htmlPath}\n`);
  if (outcome.synthetic) {
    io.stdout('  (generated stand-in data: install dataset-fashion-mnist for the real demo)\n');
  }
  return 0;
}
