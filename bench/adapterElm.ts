// ELM in the adapter scope against the last-block scope on Fashion-MNIST-LT (issue #12 item 2): ce (ERM), la and
// elm fine-tuned from the demo checkpoint (`npm run demo`, .longtail/demo) with the settings of bench/validate.ts
// (SGD momentum 0.9, lr 0.01 cosine, weight decay 5e-4, batch 128, seed 0); adapter scope 20 epochs on the cached
// 64-D embeddings (H = 64), last-block 6 epochs. Prints a markdown table of balanced error and tail R̄ (mean
// resultant length of the three rarest classes' unit-normalised test embeddings). Usage:
//   node --import tsx bench/adapterElm.ts [--workspace DIR] [--scopes adapter,last-block] [--losses ce,la,elm]
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../src/engine/engine';
import { arg, tailTightness } from './benchArgs';
import { runDemo } from '../src/engine/demo/runDemo';
import type { FineTuneParams, FineTuneScope } from '../src/protocol/fineTuneParams';
import type { Report } from '../src/protocol/report';

const root = path.resolve(__dirname, '..');


async function main(): Promise<void> {
  const started = performance.now();
  const workspace = path.resolve(arg('workspace') ?? root);
  const scopes = (arg('scopes') ?? 'adapter,last-block').split(',') as FineTuneScope[];
  const losses = (arg('losses') ?? 'ce,la,elm').split(',');
  const engine = await Engine.create({ backend: 'auto', threads: 0 });
  const log = (line: string): void => void process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
  log(`engine on ${engine.info().backend.name}`);
  const demo = await runDemo({ workspace, ratio: 100, seed: 0, epochs: 4, backend: engine.info().backend.name, log });
  if (demo.synthetic) throw new Error('Fashion-MNIST not found; this measurement needs the real data');
  const runsDir = path.join(workspace, '.longtail', 'adapter-elm', new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z'));
  const rows = [`| ERM (demo checkpoint) | — | ${(100 * demo.report.summary.balancedError).toFixed(2)} | ${tailTightness(demo.report)?.toFixed(3) ?? 'n/a'} | |`];
  for (const scope of scopes) {
    for (const loss of losses) {
      const epochs = scope === 'last-block' ? 6 : 20;
      const params: FineTuneParams = {
        model: demo.modelPath,
        train: demo.subsetPath,
        eval: demo.dataDir,
        workspace,
        seed: 0,
        batchSize: 128,
        optimizer: 'sgd',
        weightDecay: 5e-4,
        lrSchedule: 'cosine',
        learningRate: 0.01,
        epochs,
        loss,
        scope,
        out: path.join(runsDir, `${loss}-${scope}`),
      };
      log(`${loss} ${scope} …`);
      const { result } = await engine.fineTune(params, { isCancellationRequested: false });
      const report = JSON.parse(await fs.readFile(result.reportPath, 'utf8')) as Report;
      const row = `| ${loss} | ${scope} (${epochs} epochs) | ${(100 * result.balancedError).toFixed(2)} | ${tailTightness(report)?.toFixed(3) ?? 'n/a'} | ${result.seconds.toFixed(0)} |`;
      log(row);
      rows.push(row);
    }
  }
  process.stdout.write(['| Loss | Scope | Balanced error % | Tail R̄ | Seconds |', '|---|---|---:|---:|---:|', ...rows].join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
