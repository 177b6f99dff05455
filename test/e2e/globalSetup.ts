/**
 * Playwright global setup for the e2e suite: installs or checks the harness (setup.sh), gets the .vsix (packaged
 * when stale), makes a fresh work dir, installs the extension with the extension-host tests bundled into it, and
 * starts the shared code-server in its own process group. Every process group goes into a registry file that
 * global teardown empties, and a reaper process empties it when the runner ends without teardown (the global
 * timeout skips it). Workers find the run through LONGTAIL_E2E_STATE.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleExtensionHostTests } from './harness/exthostBundle';
import { installExtension, startCodeServer } from './harness/codeServer';
import { log } from './harness/log';
import { ARTIFACTS, CHROMIUM, CODE_SERVER, E2E_HOME, NODE24, ROOT, SETUP_SCRIPT, SHARED_WORKSPACE } from './harness/paths';
import { runStep, stopRegisteredGroups } from './harness/processGroup';
import { startReaper } from './harness/reaper';
import type { HarnessState } from './harness/state';
import { ensureVsix } from './harness/vsix';
import { copyWorkspace, makeUserData, makeWorkDir } from './harness/workDir';

/** Prepares the run (see above); Playwright calls it once, before any worker starts. */
export default async function globalSetup(): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const f of readdirSync(ARTIFACTS)) {
    if (f.endsWith('.png') || f.endsWith('.log')) rmSync(join(ARTIFACTS, f), { force: true });
  }
  if (process.env.LONGTAIL_E2E_NO_SETUP !== '1') {
    await runStep('setup', 'bash', [SETUP_SCRIPT], { timeoutS: 1800, cwd: ROOT });
  }
  for (const file of [NODE24, CODE_SERVER, CHROMIUM]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run bash test/e2e/setup.sh (LONGTAIL_E2E_HOME=${E2E_HOME})`);
  }
  const vsix = await ensureVsix();

  const work = makeWorkDir();
  log(`work dir ${work}`);
  const pgids = join(work, 'pgids');
  writeFileSync(pgids, '');
  process.env.LONGTAIL_E2E_PGIDS = pgids; // inherited by the workers (code-servers they start) and read by teardown
  process.env.LONGTAIL_E2E_WORK = work;
  log(`reaper pid ${startReaper(pgids)}: kills the registered process groups when this runner ends, however it ends`);
  try {
    const userData = makeUserData(work, 'ud', { trust: false });
    const installedExtension = await installExtension(work, userData, vsix);
    const bundle = await bundleExtensionHostTests(installedExtension);
    log(`extension-host tests bundled into ${bundle.slice(work.length + 1)}`);
    copyWorkspace(work, SHARED_WORKSPACE);
    const server = await startCodeServer(work, { name: 'main', userData });
    const state: HarnessState = { work, installedExtension, vsix, server };
    const stateFile = join(work, 'state.json');
    writeFileSync(stateFile, JSON.stringify(state, null, 2));
    process.env.LONGTAIL_E2E_STATE = stateFile;
  } catch (error) {
    // Teardown may not run after a failed setup: stop what was started here and now.
    await stopRegisteredGroups(pgids);
    log(`kept work dir ${work}`);
    throw error;
  }
}
