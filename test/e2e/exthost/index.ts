/*
 * Tests that run INSIDE the VS Code extension host, with the real `vscode` API.
 *
 * Bundled at run time with esbuild (CommonJS, `vscode` external) into the extension folder under test,
 * test/e2e/exthost/index.js there, and loaded as `extensionTestsPath` by
 *   - the Playwright harness (test/e2e/specs/extensionHost.spec.ts: code-server with the smoke-test driver;
 *     the exit code reaches the test through window.codeAutomationExit), and
 *   - test/vscode/runTest.mjs (@vscode/test-electron: desktop VS Code, where it can be downloaded).
 * VS Code calls `run()`; a resolved promise is exit code 0, a rejected one exit code 1.
 *
 * The bundle must lie inside the extension folder that is the extensionDevelopmentPath: VS Code resolves
 * `require('vscode')` by the requiring file's path, and hands a file outside every extension a different API
 * object (then the message recorder below cannot see the extension's notifications, and the test fails).
 */
import * as vscode from 'vscode';

const EXTENSION_ID = 'longtail-lens.long-tail-lens';
const COMMANDS = ['longtail.analyseCheckpoint', 'longtail.showEngineInfo', 'longtail.showEngineLog', 'longtail.restartEngine'];

/** Rejects after `ms` with a message naming what timed out. */
function withTimeout<T>(promise: Thenable<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

type MessageKind = 'info' | 'warning' | 'error';
type ShowMessage = (message: string, ...rest: unknown[]) => Thenable<unknown>;

/** The notifications the extension showed while recording, by severity. */
interface MessageRecorder {
  readonly seen: Record<MessageKind, string[]>;
  restore(): void;
}

/**
 * Records the notifications the extension shows, and lets its `show*Message` promises resolve at once (a
 * notification with an action button otherwise stays open until someone clicks it, and the command never
 * settles). This works because VS Code gives every file of one extension the same `vscode` API object and this
 * bundle lives in the extension under test. Throws when the API object cannot be patched: the test cannot see
 * what the extension shows, and a test that cannot see cannot pass.
 */
function recordMessages(): MessageRecorder {
  const seen: Record<MessageKind, string[]> = { info: [], warning: [], error: [] };
  const restore: (() => void)[] = [];
  const window = vscode.window as unknown as Record<string, ShowMessage>;
  const targets: [MessageKind, string][] = [
    ['info', 'showInformationMessage'],
    ['warning', 'showWarningMessage'],
    ['error', 'showErrorMessage'],
  ];
  for (const [kind, name] of targets) {
    const original = window[name];
    const replacement: ShowMessage = (message, ...rest) => {
      seen[kind].push(String(message));
      // The real notification still shows (for screenshots); nobody answers it, so its promise is dropped.
      void Promise.resolve(original.call(vscode.window, message, ...rest));
      return Promise.resolve(undefined);
    };
    try {
      window[name] = replacement;
    } catch (error) {
      restore.forEach((r) => r());
      throw new Error(`cannot record notifications: vscode.window.${name} cannot be replaced (${(error as Error).message})`);
    }
    if (window[name] !== replacement) {
      restore.forEach((r) => r());
      throw new Error(`cannot record notifications: assigning vscode.window.${name} had no effect (a frozen API object?)`);
    }
    restore.push(() => {
      window[name] = original;
    });
  }
  return { seen, restore: () => restore.forEach((r) => r()) };
}

/** The extension under test; throws when it is not installed. */
function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert(ext, `vscode.extensions.getExtension('${EXTENSION_ID}') is undefined`);
  return ext;
}

/** The test cases, in order (later ones rely on the activation done by earlier ones). */
const cases: [string, () => Promise<void>][] = [
  [
    'the extension is installed',
    async () => {
      const ext = extension();
      assert(typeof ext.packageJSON.version === 'string' && ext.packageJSON.version, 'the extension has no version');
    },
  ],
  [
    'the extension activates',
    async () => {
      const ext = extension();
      await withTimeout(ext.activate(), 30_000, 'activate()');
      assert(ext.isActive, 'ext.isActive is false after activate()');
    },
  ],
  [
    'the extension registers its commands',
    async () => {
      const all = new Set(await vscode.commands.getCommands(true));
      const contributed = (extension().packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
      assert(contributed.length >= COMMANDS.length, `package.json contributes only ${contributed.length} commands`);
      for (const id of new Set([...COMMANDS, ...contributed])) assert(all.has(id), `command ${id} is not registered`);
    },
  ],
  [
    'longtail.showEngineInfo resolves and reports the backend',
    async () => {
      const recorder = recordMessages();
      try {
        await withTimeout(vscode.commands.executeCommand('longtail.showEngineInfo'), 120_000, 'longtail.showEngineInfo');
      } finally {
        recorder.restore();
      }
      const { info, error } = recorder.seen;
      assert(error.length === 0, `the command showed an error: ${error.join(' | ')}`);
      const line = info.find((m) => m.includes(' computes on '));
      assert(line, `no "computes on" message; messages: ${JSON.stringify(recorder.seen)}`);
      console.log(`[exthost] ${line}`);
    },
  ],
];

/** Entry point called by VS Code's extension test runner. */
export async function run(): Promise<void> {
  let passed = 0;
  const failures: string[] = [];
  console.log(`[exthost] VS Code ${vscode.version}, extension host on Node ${process.version} (${process.execPath})`);
  for (const [name, fn] of cases) {
    const started = Date.now();
    try {
      await fn();
      passed++;
      console.log(`[exthost] ok   ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      failures.push(name);
      console.error(`[exthost] FAIL ${name} (${Date.now() - started} ms): ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
  console.log(`[exthost] ${passed} of ${cases.length} ok`);
  if (failures.length) throw new Error(`${failures.length} extension-host test(s) failed: ${failures.join('; ')}`);
}
