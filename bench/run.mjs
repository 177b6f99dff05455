// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) one after another,
// each in its own process so that peak-memory figures do not mix. Each benchmark runs its peer
// (numpy / PyTorch) on the same machine in the same run and prints ratios.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !wanted.length || wanted.some((w) => f.startsWith(w)))
  .sort();
if (!benches.length) {
  console.error(`no benchmarks match ${wanted.join(' ')}`);
  process.exit(2);
}
let failed = 0;
for (const bench of benches) {
  console.log(`\n### ${bench}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(dir, bench)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`### ${bench} FAILED (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
