/** What global setup hands to the workers: written as JSON into the work dir, named by LONGTAIL_E2E_STATE. */
import { readFileSync } from 'node:fs';

/** The prepared run: work dir, installed extension and the shared code-server. */
export interface HarnessState {
  /** The fresh work dir /tmp/lt-e2e-XXXXXX (user data, extensions, workspaces, logs). */
  readonly work: string;
  /** The installed extension's folder (what the .vsix holds, plus the bundled extension-host tests). */
  readonly installedExtension: string;
  /** The .vsix that was installed. */
  readonly vsix: string;
  /** The plain code-server (no smoke-test driver, workspace trust off) shared by the UI cases. */
  readonly server: ServerInfo;
}

/** A running code-server. */
export interface ServerInfo {
  /** Its process group id. */
  readonly pid: number;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Its stdout + stderr. */
  readonly logFile: string;
  /** Its user data dir (settings, logs). */
  readonly userData: string;
}

/** Reads the state global setup wrote; throws when the run was not started through the Playwright config. */
export function readHarnessState(): HarnessState {
  const file = process.env.LONGTAIL_E2E_STATE;
  if (!file) throw new Error('LONGTAIL_E2E_STATE is not set: run the e2e suite with `npm run test:e2e` (global setup prepares the run)');
  return JSON.parse(readFileSync(file, 'utf8')) as HarnessState;
}
