/**
 * Playwright global teardown for the e2e suite: kills every registered process group (code-servers with
 * their extension hosts and engines, however their worker ended), copies the servers' and the extension's
 * logs into test/e2e/artifacts/vscode/, and removes the work dir unless a case failed or LONGTAIL_E2E_KEEP=1.
 */
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findFiles } from './harness/codeServer';
import { log, secondsSince } from './harness/log';
import { ARTIFACTS, FAILED_MARKER } from './harness/paths';
import { stopRegisteredGroups } from './harness/processGroup';

/** Cleans up after the run (see above); Playwright calls it once, after the last worker. */
export default async function globalTeardown(): Promise<void> {
  const work = process.env.LONGTAIL_E2E_WORK;
  const pgids = process.env.LONGTAIL_E2E_PGIDS;
  if (!work || !pgids) return; // global setup failed before making the work dir (it cleaned up itself)
  const stopped = await stopRegisteredGroups(pgids);
  log(`stopped ${stopped.length} process group(s) still running: ${stopped.join(' ') || 'none'}`);

  for (const f of readdirSync(work).filter((f) => f.startsWith('code-server-') && f.endsWith('.log'))) {
    cpSync(join(work, f), join(ARTIFACTS, f));
  }
  findFiles(work, 'Long-Tail Lens.log').forEach((f, i) => cpSync(f, join(ARTIFACTS, `extension-output-${i + 1}.log`)));

  const failed = existsSync(join(work, FAILED_MARKER));
  if (failed || process.env.LONGTAIL_E2E_KEEP === '1') {
    log(`kept work dir ${work}${failed ? ' (a case failed)' : ''}`);
    return;
  }
  const removing = Date.now();
  rmSync(work, { recursive: true, force: true });
  log(`removed the work dir ${basename(work)} in ${secondsSince(removing)} s`);
}
