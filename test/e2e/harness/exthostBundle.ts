/** Bundles the extension-host test module (TypeScript) into an extension folder with esbuild. */
import { build } from 'esbuild';
import { join } from 'node:path';
import { EXTHOST_TESTS_IN_EXTENSION, EXTHOST_TESTS_SOURCE } from './paths';

/**
 * Writes test/e2e/exthost/index.ts as one CommonJS file (`vscode` external) to
 * `<extensionDir>/test/e2e/exthost/index.js`, where VS Code's `require('vscode')` resolves to the
 * extension's own API object. Returns the written file.
 */
export async function bundleExtensionHostTests(extensionDir: string): Promise<string> {
  const outfile = join(extensionDir, EXTHOST_TESTS_IN_EXTENSION);
  await build({
    entryPoints: [EXTHOST_TESTS_SOURCE],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });
  return outfile;
}
