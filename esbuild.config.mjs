// Bundles the extension, the engine child process, the CLI and the webview.
// `@tensorflow/*` stays external: the engine must share one tfjs-core instance with a native backend
// (`@tensorflow/tfjs-node(-gpu)`) that it may load at run time with a dynamic require.
import * as esbuild from 'esbuild';
import { mkdir, readdir } from 'node:fs/promises';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const nodeCommon = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  external: ['vscode', '@tensorflow/*', 'onnxruntime-node'],
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  { ...nodeCommon, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...nodeCommon, entryPoints: ['src/engine/server.ts'], outfile: 'dist/engine.js' },
  { ...nodeCommon, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
];

// One bundle per webview entry (webview/<view>/main.ts), for the browser.
const webviewEntries = [];
for (const dirent of await readdir('webview', { withFileTypes: true }).catch(() => [])) {
  if (dirent.isDirectory()) {
    const entry = `webview/${dirent.name}/main.ts`;
    if ((await readdir(`webview/${dirent.name}`)).includes('main.ts')) {
      webviewEntries.push(entry);
    }
  }
}
if (webviewEntries.length) {
  builds.push({
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
    outbase: 'webview',
    entryNames: '[dir]',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
  });
}

await mkdir('dist', { recursive: true });
if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
