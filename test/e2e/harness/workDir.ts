/** The run's work dir: user data, extensions, XDG and TMPDIR dirs, and copies of the fixture workspace. */
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE } from './paths';

/**
 * A fresh work dir under /tmp (short: unix socket paths must stay under 108 bytes) with the dirs code-server,
 * VS Code and chromium would otherwise create in $HOME and /tmp.
 */
export function makeWorkDir(): string {
  const work = mkdtempSync('/tmp/lt-e2e-');
  for (const dir of ['exts', 'xdg/config', 'xdg/data', 'xdg/cache', 'tmp', 'workspaces']) mkdirSync(join(work, dir), { recursive: true });
  return work;
}

/**
 * A user data dir with settings that keep the workbench quiet (no startup editor, telemetry, updates, AI, git,
 * secondary side bar). `trust: false` turns workspace trust off (every folder trusted); `trust: true` keeps it
 * on without the startup prompt, so an unknown folder opens in Restricted Mode.
 */
export function makeUserData(work: string, name: string, { trust }: { trust: boolean }): string {
  const userData = join(work, name);
  mkdirSync(join(userData, 'User'), { recursive: true });
  const settings: Record<string, unknown> = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'chat.disableAIFeatures': true,
    'git.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'security.workspace.trust.enabled': trust,
    ...(trust ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' } : {}),
  };
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  return userData;
}

/** A new copy of test/fixtures/e2e-workspace named `name` under the work dir (the extension writes into it). */
export function copyWorkspace(work: string, name: string): string {
  const workspace = join(work, 'workspaces', name);
  if (existsSync(workspace)) throw new Error(`workspace ${name} already exists in ${work}: each case needs its own name`);
  cpSync(FIXTURE, workspace, { recursive: true });
  return workspace;
}

/** The environment of every code-server call: caches and sockets inside the work dir, no Node options of ours. */
export function serverEnv(work: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: join(work, 'xdg', 'config'),
    XDG_DATA_HOME: join(work, 'xdg', 'data'),
    XDG_CACHE_HOME: join(work, 'xdg', 'cache'),
    TMPDIR: join(work, 'tmp'),
    NODE_OPTIONS: '',
  };
}
