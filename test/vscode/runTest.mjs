// Extension-host tests in desktop VS Code through @vscode/test-electron (`npm run test:vscode`).
//
// Runs the same test module as the code-server harness (test/e2e/exthost/index.ts, bundled by esbuild into
// node_modules/.cache/longtail-e2e/exthost/index.js: inside the extension folder) with the repository root
// as the extensionDevelopmentPath (dist/ must be built: `npm run bundle`). test-electron downloads VS Code
// from update.code.visualstudio.com into LONGTAIL_VSCODE_TEST_HOME (default ~/.cache/longtail-e2e/vscode-test),
// so this needs that host (or LONGTAIL_VSCODE_EXECUTABLE=/path/to/code). Without it, it fails within seconds
// and says so; `npm run test:e2e` (code-server from npm) is the offline equivalent. On a headless Linux box run
// it under a display server: `xvfb-run -a npm run test:vscode`. See docs/e2e.md.
//
// Prints one closing line `N passed, N failed` (the test module counts as one) and exits 0/1.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const testsPath = join(root, 'node_modules', '.cache', 'longtail-e2e', 'exthost', 'index.js');
const cachePath = process.env.LONGTAIL_VSCODE_TEST_HOME || join(homedir(), '.cache', 'longtail-e2e', 'vscode-test');
const version = process.env.LONGTAIL_VSCODE_VERSION || 'stable';
const executable = process.env.LONGTAIL_VSCODE_EXECUTABLE;

function done(ok, message) {
  if (message) {
    (ok ? console.log : console.error)(message);
  }
  console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
  process.exit(ok ? 0 : 1);
}

/** True when the error (or one it wraps) says the download host could not be reached. */
function isOffline(error) {
  for (let e = error; e; e = e.cause) {
    const text = `${e.code ?? ''} ${e.message ?? e}`;
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|timed? ?out|fetch failed|getaddrinfo/i.test(text)) {
      return true;
    }
  }
  return false;
}

if (!existsSync(join(root, 'dist', 'extension.js'))) {
  done(false, '[test:vscode] dist/extension.js is missing: run `npm run bundle` first.');
}

let testElectron;
try {
  testElectron = await import('@vscode/test-electron');
} catch (error) {
  done(false, `[test:vscode] @vscode/test-electron is not installed (npm ci): ${error.message}`);
}
const { runTests, downloadAndUnzipVSCode } = testElectron;

// 1. VS Code itself: a given executable, else a cached or freshly downloaded build (15 s network timeout).
let vscodeExecutablePath = executable;
if (!vscodeExecutablePath) {
  mkdirSync(cachePath, { recursive: true });
  const started = Date.now();
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath, timeout: 15_000 });
  } catch (error) {
    const why = error?.message ?? String(error);
    if (isOffline(error)) {
      done(
        false,
        [
          `[test:vscode] cannot download VS Code ${version}: update.code.visualstudio.com is not reachable (${why.split('\n')[0]}; after ${((Date.now() - started) / 1000).toFixed(1)} s).`,
          '[test:vscode] This machine has no access to that host. Use `npm run test:e2e` (code-server from npm, runs offline),',
          '[test:vscode] or point LONGTAIL_VSCODE_EXECUTABLE at an installed VS Code, or pre-fill ' + cachePath + '.',
        ].join('\n'),
      );
    }
    done(false, `[test:vscode] downloading VS Code ${version} failed: ${why}`);
  }
}

// 2. A fresh workspace copy, user-data and extensions dir; only our extension (others disabled).
const work = mkdtempSync(join(tmpdir(), 'lt-vscode-'));
const workspace = join(work, 'workspace');
cpSync(join(root, 'test', 'fixtures', 'e2e-workspace'), workspace, { recursive: true });
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  console.warn('[test:vscode] no DISPLAY: desktop VS Code needs one; run under `xvfb-run -a`.');
}
const { build } = await import('esbuild');
await build({ entryPoints: [join(root, 'test', 'e2e', 'exthost', 'index.ts')], outfile: testsPath, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning' });
let code;
try {
  code = await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: testsPath,
    launchArgs: [workspace, '--disable-extensions', `--user-data-dir=${join(work, 'ud')}`, `--extensions-dir=${join(work, 'exts')}`],
  });
} catch (error) {
  code = typeof error === 'number' ? error : 1;
  console.error(`[test:vscode] ${error?.message ?? `VS Code exited with ${error}`}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
done(code === 0, `[test:vscode] extension-host tests exited with code ${code}`);
