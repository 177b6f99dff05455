/** The .vsix under test: given, or long-tail-lens.vsix packaged when missing or older than what goes into it. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { log } from './log';
import { ROOT } from './paths';
import { runStep } from './processGroup';

/** Inputs of the .vsix: a changed src/ not yet bundled must not be tested as the old dist/. */
const VSIX_INPUTS = ['src', 'webview', 'media', 'dist', 'package.json', 'package-lock.json', 'esbuild.config.mjs', '.vscodeignore', 'README.md'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Inputs of the bundles in dist/. */
const BUNDLE_INPUTS = ['src', 'webview', 'esbuild.config.mjs'];
/** Bundles that must exist for dist/ to count as built. */
const BUNDLES = ['dist/extension.js', 'dist/engine.js', 'dist/cli.js', 'dist/webview/dashboard.js'];

/** True when every bundle exists and is newer than every bundle input. */
function distIsFresh(): boolean {
  const bundles = BUNDLES.map((p) => join(ROOT, p));
  if (!bundles.every((p) => existsSync(p))) return false;
  const built = Math.min(...bundles.map((p) => statSync(p).mtimeMs));
  return BUNDLE_INPUTS.map((p) => join(ROOT, p)).every((p) => !existsSync(p) || newestMtime(p) <= built);
}

/**
 * The packaging step of package.json's `package` script (after `npm run build &&`), as [executable, ...args]:
 * `vsce package …` (node_modules/.bin) or `node … scripts/packageTarget.ts` (this Node).
 */
function vsceStep(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const step = (pkg.scripts?.package ?? '').split('&&').pop()?.trim() ?? '';
  const [command, ...args] = step.split(/\s+/);
  if (step.startsWith('vsce package')) return [join(ROOT, 'node_modules', '.bin', command), ...args];
  if (command === 'node' && args.some((a) => a.startsWith('scripts/'))) return [process.execPath, ...args];
  throw new Error(`package.json's "package" script does not end with a vsce package or node scripts/… step: ${JSON.stringify(pkg.scripts?.package)}`);
}

/**
 * The .vsix to test: `LONGTAIL_E2E_VSIX`, else `long-tail-lens.vsix`, rebuilt with `npm run package` when it
 * is missing or older than any of its inputs (with only the vsce step when dist/ is already built from the current
 * sources). Throws when the given file is missing or packaging fails.
 */
export async function ensureVsix(): Promise<string> {
  const given = process.env.LONGTAIL_E2E_VSIX;
  if (given) {
    const file = resolve(given);
    if (!existsSync(file)) throw new Error(`LONGTAIL_E2E_VSIX names no file: ${file}`);
    log(`testing the given ${file}`);
    return file;
  }
  const vsix = join(ROOT, 'long-tail-lens.vsix');
  let reason: string | undefined;
  if (!existsSync(vsix)) {
    reason = 'is missing';
  } else if (!existsSync(join(ROOT, 'dist', 'extension.js'))) {
    reason = 'is there but dist/ is not built';
  } else {
    const built = statSync(vsix).mtimeMs;
    const newer = VSIX_INPUTS.map((p) => join(ROOT, p)).find((p) => existsSync(p) && newestMtime(p) > built);
    if (newer) reason = `is older than ${newer.slice(ROOT.length + 1)}`;
  }
  if (!reason) {
    log(`using ${basename(vsix)} (newer than its sources and dist/)`);
    return vsix;
  }
  try {
    if (distIsFresh()) {
      // dist/ is newer than every source (e.g. `npm test` has just run `npm run build`): only the vsce step of
      // `npm run package`, not a second type-check, lint and bundle (minutes on a loaded machine).
      const [command, ...args] = vsceStep();
      log(`${basename(vsix)} ${reason}; dist/ is newer than its sources: packaging it (${command} ${args.join(' ')})`);
      await runStep('vsce package', command, args, { timeoutS: 600, cwd: ROOT });
    } else {
      log(`${basename(vsix)} ${reason}: packaging`);
      await runStep('npm run package', 'npm', ['run', 'package'], { timeoutS: 600, cwd: ROOT });
    }
  } catch (error) {
    throw new Error(`${(error as Error).message}: the .vsix could not be built from this tree (set LONGTAIL_E2E_VSIX to test a prebuilt one)`);
  }
  return vsix;
}
