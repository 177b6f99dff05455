// Lint, including the architecture's import boundaries (the build fails on a violation):
// only src/extension imports 'vscode'; src/protocol is pure; webview code never touches Node, TF.js or vscode;
// src/extension never imports the engine (it runs in its own process); src/report is shared by CLI and extension.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'util', 'crypto', 'stream', 'zlib', 'worker_threads', 'module', 'node:*'];
const restrict = (names, patterns, message) => ({
  'no-restricted-imports': ['error', { paths: names.map((name) => ({ name, message })), patterns: patterns.map((group) => ({ group: [group], message })) }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', '**/*.mjs', '**/*.js', 'test/e2e/artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports (see docs/architecture.md).' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: restrict(['vscode', 'vscode-jsonrpc/node', ...nodeBuiltins.filter((n) => !n.includes('*'))], ['@tensorflow/*', 'node:*', '../engine/*', '../extension/*', '../client/*'], 'src/protocol is pure shared types: no vscode, no TF.js, no Node.'),
  },
  {
    files: ['src/engine/**/*.ts', 'src/cli/**/*.ts'],
    rules: restrict(['vscode'], ['**/extension/*', '**/client/*'], 'The engine and CLI never import vscode or host code.'),
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: restrict([], ['@tensorflow/*', '**/engine'], 'The extension talks to the engine process through src/client and src/protocol; shared code it needs lives in src/report or src/protocol.'),
  },
  {
    files: ['src/report/**/*.ts'],
    rules: restrict(['vscode', 'vscode-jsonrpc', 'vscode-jsonrpc/node'], ['@tensorflow/*', '**/engine/*', '**/extension/*', '**/client/*', '**/cli/*'], 'src/report is shared by the CLI and the extension: Node and src/protocol only, no vscode, no TF.js, no engine or host code.'),
  },
  {
    files: ['src/client/**/*.ts'],
    rules: restrict(['vscode'], ['@tensorflow/*', '**/engine/*', '**/extension/*'], 'The engine client is host-side Node code: no vscode, no TF.js, no engine internals.'),
  },
  {
    files: ['webview/**/*.ts'],
    rules: restrict(['vscode', 'vscode-jsonrpc', 'vscode-jsonrpc/node', ...nodeBuiltins.filter((n) => !n.includes('*'))], ['@tensorflow/*', 'node:*', '**/engine/*', '**/extension/*', '**/client/*', '**/engineProtocol'], 'Webview code runs in the browser: only DOM, chart.js and src/protocol types.'),
  },
  {
    files: ['test/unit/**/*.ts', 'test/integration/**/*.ts'],
    rules: restrict(['vscode'], [], 'Unit and integration tests run without VS Code.'),
  },
  {
    // Playwright loads its config, global setup/teardown and reporters from the module's default export.
    files: ['test/e2e/playwright.config.ts', 'test/e2e/globalSetup.ts', 'test/e2e/globalTeardown.ts', 'test/e2e/harness/closingLineReporter.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
