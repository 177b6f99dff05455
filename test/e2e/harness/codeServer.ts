/** code-server: installing the .vsix, and starting a server in its own registered process group. */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { log, secondsSince, sleep } from './log';
import { CODE_SERVER, EXTENSION_ID, NODE24 } from './paths';
import { registerGroup, runStep } from './processGroup';
import type { ServerInfo } from './state';
import { serverEnv } from './workDir';

/** Installs the .vsix into the work dir's extensions dir; returns the installed extension's folder. */
export async function installExtension(work: string, userData: string, vsix: string): Promise<string> {
  await runStep('install-extension', NODE24, [CODE_SERVER, '--user-data-dir', userData, '--extensions-dir', join(work, 'exts'), '--install-extension', vsix], {
    timeoutS: 120,
    cwd: work,
    env: serverEnv(work),
  });
  const installed = readdirSync(join(work, 'exts')).find((d) => d.startsWith(`${EXTENSION_ID}-`));
  if (!installed) throw new Error(`${EXTENSION_ID} is not in the extensions dir after --install-extension`);
  return join(work, 'exts', installed);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The last `lines` lines of a log file (it must exist). */
export function tail(file: string, lines = 40): string {
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** How a code-server is started. */
export interface ServerOptions {
  /** Names the log file: code-server-<name>.log. */
  readonly name: string;
  /** The user data dir (see makeUserData). */
  readonly userData: string;
  /** `--vscode-option enable-smoke-test-driver`: needed for extension-host tests; turns toasts off. */
  readonly smokeTestDriver?: boolean;
  /** Keep workspace trust (no --disable-workspace-trust); the user data must enable it too. */
  readonly trust?: boolean;
}

/**
 * Starts code-server on 127.0.0.1:<free port> with --auth none in its own process group (registered for global
 * teardown) and waits until GET /healthz answers; throws with the log's tail if it exits or does not answer in 60 s.
 */
export async function startCodeServer(work: string, options: ServerOptions): Promise<ServerInfo> {
  const port = await freePort();
  const logFile = join(work, `code-server-${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const started = Date.now();
  const args = [
    CODE_SERVER,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', options.userData,
    '--extensions-dir', join(work, 'exts'),
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(options.trust ? [] : ['--disable-workspace-trust']),
    ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
  ];
  const child = spawn(NODE24, args, { cwd: work, env: serverEnv(work), stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`code-server did not start: ${NODE24} ${args.join(' ')}`);
  registerGroup(child.pid);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = String(code ?? signal)));
  child.unref();
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited !== undefined) throw new Error(`code-server exited (${exited}) before answering /healthz:\n${tail(logFile)}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (res) => res.ok,
      () => false, // not listening yet: polled until the deadline below
    );
    if (ok) break;
    if (Date.now() - started > 60_000) throw new Error(`code-server did not answer ${url}/healthz within 60 s:\n${tail(logFile)}`);
    await sleep(200);
  }
  log(`code-server ${options.name} (pid ${child.pid}) answers ${url}/healthz after ${secondsSince(started)} s`);
  return { pid: child.pid, port, url, logFile, userData: options.userData };
}

/** Every file named `name` under `dir` (recursively); [] when dir does not exist. */
export function findFiles(dir: string, name: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) findFiles(path, name, out);
    else if (entry.name === name) out.push(path);
  }
  return out;
}
