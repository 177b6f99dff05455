/**
 * Process groups the harness starts (code-server with its extension hosts, the engine, watchers; setup.sh;
 * npm run package): each is spawned detached (= setsid, its own group), written to a registry file and killed
 * as a group. Global teardown kills every group in the registry, so nothing lingers even when a worker died
 * (extension hosts otherwise wait 3 h for a reconnection).
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { log, secondsSince, sleep } from './log';

/** The registry file: one process-group id per line (set by global setup, inherited by the workers). */
export function registryFile(): string | undefined {
  return process.env.LONGTAIL_E2E_PGIDS;
}

/** Records a group in the registry (if there is one) so global teardown kills it whatever happens. */
export function registerGroup(pid: number): void {
  const file = registryFile();
  if (file) appendFileSync(file, `${pid}\n`);
}

/** Sends `signal` to a whole process group; false when the group no longer exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** SIGTERM the group, SIGKILL what is left after 3 s; throws if anything of it is still alive 2 s later. */
export async function stopGroup(pid: number): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  for (let i = 0; i < 30 && signalGroup(pid, 0); i++) await sleep(100);
  signalGroup(pid, 'SIGKILL');
  for (let i = 0; i < 20 && signalGroup(pid, 0); i++) await sleep(100);
  if (signalGroup(pid, 0)) throw new Error(`process group ${pid} is still alive after SIGKILL`);
}

/** Kills every group named in the registry file; returns the ids of those that were still running. */
export async function stopRegisteredGroups(file: string): Promise<number[]> {
  if (!existsSync(file)) return [];
  const pids = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number))];
  const alive = pids.filter((pid) => signalGroup(pid, 0));
  await Promise.all(alive.map((pid) => stopGroup(pid)));
  return alive;
}

/**
 * Runs a command in its own registered process group with its output passed through; rejects on a non-zero
 * exit, and kills the group and rejects after `timeoutS`.
 */
export function runStep(label: string, command: string, args: string[], options: { timeoutS: number; cwd: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  const started = Date.now();
  log(`${label}: ${command} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'inherit', 'inherit'], detached: true };
    const child = spawn(command, args, spawnOptions);
    if (child.pid !== undefined) registerGroup(child.pid);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      reject(new Error(`${label}: timed out after ${options.timeoutS} s`));
    }, options.timeoutS * 1000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${label}: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      log(`${label}: ${code === 0 ? 'ok' : `exit ${code ?? signal}`} in ${secondsSince(started)} s`);
      if (code === 0) resolve();
      else reject(new Error(`${label} failed (exit ${code ?? signal})`));
    });
  });
}

/**
 * The command lines of the engine child processes (`<extension>/dist/engine.js`) running in a process group,
 * read from /proc (Linux).
 */
export async function engineProcesses(pgid: number, extensionDir: string): Promise<string[]> {
  const engine = join(extensionDir, 'dist', 'engine.js');
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat: string;
    let cmdline: string;
    try {
      stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') continue; // exited meanwhile
      throw error;
    }
    // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so split after the last ')'.
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    if (pgrp === pgid && cmdline.includes(engine)) found.push(`${pid}: ${cmdline.trim()}`);
  }
  return found;
}
