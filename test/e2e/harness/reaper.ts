/**
 * The reaper: a small detached process that outlives the Playwright runner. It polls the runner's pid every
 * second and, once the runner is gone (finished, crashed, killed, or cut off by the global timeout, after which
 * Playwright skips global teardown), kills every process group in the registry file. Global teardown does the
 * same on a normal end; this makes "always killed" hold when it does not run.
 */
import { spawn } from 'node:child_process';

/** The reaper's program (plain JS for `node -e`): args runner pid, registry file. */
const REAPER_JS = `
const fs = require('node:fs');
const [runner, registry] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code !== 'ESRCH'; } };
const signal = (pgid, s) => { try { process.kill(-pgid, s); } catch (e) { if (e.code !== 'ESRCH') throw e; } };
const timer = setInterval(() => {
  if (alive(Number(runner))) return;
  clearInterval(timer);
  const groups = fs.existsSync(registry) ? fs.readFileSync(registry, 'utf8').split('\\n').filter(Boolean).map(Number) : [];
  for (const g of groups) signal(g, 'SIGTERM');
  setTimeout(() => { for (const g of groups) signal(g, 'SIGKILL'); }, 3000);
}, 1000);
`;

/** Starts the reaper for the current process (the Playwright runner) and the given registry file. */
export function startReaper(registry: string): number {
  const child = spawn(process.execPath, ['-e', REAPER_JS, String(process.pid), registry], { detached: true, stdio: 'ignore' });
  child.unref();
  if (child.pid === undefined) throw new Error('the reaper process did not start');
  return child.pid;
}
