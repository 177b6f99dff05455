/**
 * Runs tfjs-backend-wasm's threaded-SIMD build under Node (docs/backends.md, "WASM threads").
 *
 * Stock tfjs-backend-wasm 4.22 hard-wires `WASM_HAS_MULTITHREAD_SUPPORT` to false under Node (tfjs#3830),
 * and forcing the flag fails with `ERR_WORKER_PATH`: the emscripten loader starts its pthread workers
 * from `blob:` URLs, which Node's `Worker` does not accept. While the backend initialises, this module:
 * 1. records the text of string `Blob`s (the bundle makes two: the pthread worker script, and the main
 *    script `"var WasmBackendModuleThreadedSimd = " + factory.toString()`);
 * 2. answers `URL.createObjectURL(workerBlob)` with the path of a temp file holding the worker script,
 *    patched to load the main script from a second temp file (instead of `importScripts(blob URL)`) and
 *    to send console output to stderr (stdout is the engine's JSON-RPC channel);
 * 3. prepends to the main script the bundle-scope names the factory's source refers to but that only
 *    exist in the bundle (`require$$0…4`, `commonjsGlobal`, the tslib helpers `__values`, `__read`,
 *    `__spreadArray`) — this module's own small definitions, checked against the source before use;
 * 4. reports 2×N logical cores through `os.cpus()`: the C++ side caps its pool at cores/2.
 * Every hook is removed as soon as `setBackend` settles. The pthread workers are then `unref`ed so they
 * do not keep the process alive. The temp files are removed once every worker has read them (at the
 * latest when the process exits; folders of dead processes are removed by the next start).
 *
 * Any failure (unknown bundle layout, unwritable temp dir, an init error or a hang) is reported as a
 * reason and the caller falls back to the single-threaded SIMD build. Pinned to tfjs-backend-wasm 4.22.0:
 * the strings matched below are that version's `tf-backend-wasm.node.js` (the file Node loads; tfjs
 * stays external to the engine bundle, so the same file runs in production).
 */
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type { Tf } from './tf';

/** The tfjs-backend-wasm version whose bundle layout this module knows. */
export const supportedWasmVersion = '4.22.0';

/** Environment variable naming the folder for the worker/main script temp files (default `os.tmpdir()`). */
export const wasmTempDirEnv = 'LONGTAIL_WASM_TMPDIR';

/** The parts of the `@tensorflow/tfjs-backend-wasm` module used here. */
export interface WasmModuleLike {
  readonly version_wasm: string;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/** Options for {@link initThreadedWasm}. */
export interface ThreadedWasmOptions {
  /** Threads wanted (≥ 2). */
  readonly threads: number;
  /** Parent folder of the temp folder; default `$LONGTAIL_WASM_TMPDIR` or `os.tmpdir()`. */
  readonly tempRoot?: string;
  /** Give up (and report) when initialisation takes longer; default 30 s. */
  readonly timeoutMs?: number;
}

/** Outcome of {@link initThreadedWasm}: the backend is initialised threaded, or it is untouched. */
export type ThreadedWasmResult = { ok: true; threads: number } | { ok: false; reason: string };

const mainScriptPrefix = 'var WasmBackendModuleThreadedSimd = ';
const workerMarker = 'WasmBackendModuleThreadedSimd(Module)';
/** The worker's 4.22 loading branch: a string is a script path, a Blob becomes an object URL. */
const workerLoadBranch =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

/**
 * Definitions for the names the 4.22 factory source uses from its bundle's scope. These are this
 * project's own minimal versions, enough for how the factory calls them (iterating arrays, reading
 * pairs, spreading argument lists).
 */
const bundleScope: Record<string, string> = {
  require$$0: 'var require$$0 = require("fs");',
  require$$1: 'var require$$1 = require("path");',
  require$$2: 'var require$$2 = require("worker_threads");',
  require$$3: 'var require$$3 = require("perf_hooks");',
  require$$4: 'var require$$4 = require("os");',
  commonjsGlobal: 'var commonjsGlobal = globalThis;',
  __values: 'function __values(o) { var it = o[Symbol.iterator]; return it ? it.call(o) : { next: function () { return { done: true }; } }; }',
  __read: 'function __read(o, n) { var all = Array.from(o); return n === undefined ? all : all.slice(0, n); }',
  __spread: 'function __spread() { var out = []; for (var i = 0; i < arguments.length; i++) { out = out.concat(Array.from(arguments[i])); } return out; }',
  __spreadArray: 'function __spreadArray(to, from) { return to.concat(Array.prototype.slice.call(from)); }',
};

/** Bundle-scope names that the source refers to and that {@link bundleScope} does not define. */
function unknownBundleNames(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/\brequire\$\$\d+\b/g)) {
    names.add(m[0]);
  }
  // tslib helpers are called as plain functions: `__name(`, not `x.__name(` or `"__name"`.
  for (const m of source.matchAll(/(?<![.\w$"'])(__[a-z][A-Za-z]*)\s*\(/g)) {
    names.add(m[1]);
  }
  if (/\bcommonjsGlobal\b/.test(source)) {
    names.add('commonjsGlobal');
  }
  return [...names].filter((n) => !(n in bundleScope)).sort();
}

/** Worker prelude: console and stdout writes go to stderr (fd 2), never to the parent's stdout. */
const workerPrelude =
  '"use strict";(function(){var fs=require("fs");var toErr=function(){try{fs.writeSync(2,Array.prototype.map.call(arguments,String).join(" ")+"\\n")}catch(e){}};' +
  'console.log=toErr;console.info=toErr;console.debug=toErr;console.warn=toErr;' +
  'process.stdout.write=function(c,enc,cb){return process.stderr.write(c,enc,cb)};})();\n';

const tempPrefix = 'longtail-wasm-';

/** Removes temp folders left by engine processes that died without an exit event (e.g. SIGKILL). */
function removeStaleTempDirs(parent: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of entries) {
    const m = new RegExp(`^${tempPrefix}(\\d+)-`).exec(name);
    if (!m || Number(m[1]) === process.pid) {
      continue;
    }
    try {
      process.kill(Number(m[1]), 0); // alive: leave it
    } catch (error) {
      if ((error as { code?: string }).code === 'ESRCH') {
        fs.rmSync(path.join(parent, name), { recursive: true, force: true });
      }
    }
  }
}

/** Makes this process's temp folder (removed at exit at the latest). */
function makeTempDir(root: string | undefined): string {
  const parent = root ?? process.env[wasmTempDirEnv] ?? nodeOs().tmpdir();
  removeStaleTempDirs(parent);
  const dir = fs.mkdtempSync(path.join(parent, `${tempPrefix}${process.pid}-`));
  process.once('exit', () => removeDir(dir));
  return dir;
}

function removeDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

/** The real `os` module object (an `import * as` namespace is a copy under esbuild/tsx). */
function nodeOs(): typeof import('node:os') {
  return createRequire(__filename)('os') as typeof import('node:os');
}

interface Hooks {
  restore(): void;
  readonly errors: string[];
}

/** Installs the Blob / createObjectURL / os.cpus hooks described above. */
function installHooks(dir: string, threads: number): Hooks {
  const os = nodeOs();
  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL.bind(URL);
  const originalCreateObjectURLRaw = URL.createObjectURL;
  const originalCpus = os.cpus;
  const texts = new WeakMap<object, string>();
  const errors: string[] = [];
  let mainPath: string | undefined;
  let workerPath: string | undefined;

  class RecordingBlob extends OriginalBlob {
    constructor(parts?: unknown[], options?: { type?: string }) {
      super(parts as never, options);
      if (Array.isArray(parts) && parts.every((p) => typeof p === 'string')) {
        const text = parts.join('');
        texts.set(this, text);
        // The main script Blob is made before any worker: write it now so the worker can refer to it.
        if (text.startsWith(mainScriptPrefix) && !mainPath) {
          try {
            mainPath = writeMain(text);
          } catch (error) {
            errors.push(error instanceof Error ? error.message : String(error));
          }
        }
      }
    }
  }

  const writeMain = (source: string): string => {
    const unknown = unknownBundleNames(source);
    if (unknown.length) {
      throw new Error(`the threaded factory refers to unknown bundle names ${unknown.join(', ')}`);
    }
    const text = `${Object.values(bundleScope).join('\n')}\n${source}\n`;
    new vm.Script(text, { filename: 'wasm-threaded-main.js' }); // syntax check only
    const file = path.join(dir, 'wasm-threaded-main.js');
    fs.writeFileSync(file, text);
    return file;
  };

  const writeWorker = (source: string, main: string): string => {
    if (!source.includes(workerLoadBranch)) {
      throw new Error('unknown pthread worker script (expected tfjs-backend-wasm 4.22 layout)');
    }
    const text = workerPrelude + source.replace(workerLoadBranch, `importScripts(${JSON.stringify(main)});`);
    new vm.Script(`(function (require, __filename) {${text}\n})`, { filename: 'wasm-threaded-worker.js' });
    const file = path.join(dir, 'wasm-threaded-worker.js');
    fs.writeFileSync(file, text);
    return file;
  };

  globalThis.Blob = RecordingBlob as unknown as typeof Blob;
  URL.createObjectURL = (obj: Blob): string => {
    const text = texts.get(obj);
    if (text !== undefined && text.includes(workerMarker)) {
      try {
        if (!mainPath) {
          throw new Error('the main script Blob was not seen before the worker was created');
        }
        workerPath ??= writeWorker(text, mainPath);
        return workerPath;
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
        throw error;
      }
    }
    return originalCreateObjectURL(obj);
  };
  const cores = originalCpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cores[i % Math.max(1, cores.length)]);

  return {
    errors,
    restore() {
      globalThis.Blob = OriginalBlob;
      URL.createObjectURL = originalCreateObjectURLRaw;
      os.cpus = originalCpus;
    },
  };
}

interface EmscriptenWorker {
  unref(): void;
}

/**
 * Lets the process exit although pthread workers are alive (they block nothing once unref'ed). Returns
 * whether every running worker came from the pre-loaded pool (some are still unused): then every worker
 * has already read the temp scripts, since the module only resolves once its pool has loaded.
 */
function unrefWorkers(tf: Tf): { poolOnly: boolean } {
  const backend = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm as { wasm?: { PThread?: { runningWorkers?: EmscriptenWorker[]; unusedWorkers?: EmscriptenWorker[] } } } | null;
  const pthread = backend?.wasm?.PThread;
  const unused = pthread?.unusedWorkers ?? [];
  for (const worker of [...(pthread?.runningWorkers ?? []), ...unused]) {
    worker.unref();
  }
  return { poolOnly: unused.length > 0 };
}

/**
 * Whether the 'wasm' backend instance exists. (`tf.findBackend` would not do: for a registered but
 * uninitialised backend it starts initialising it.)
 */
export function isWasmInitialised(tf: Tf): boolean {
  const registry = (tf.engine() as unknown as { registry?: Record<string, unknown> }).registry;
  return registry?.wasm !== undefined;
}

/**
 * Initialises the 'wasm' backend with its threaded-SIMD build and `options.threads` threads. Must be
 * called before the wasm backend was ever initialised in this process. On failure the backend is left
 * uninitialised (the caller then initialises the single-threaded build) and the reason is returned.
 */
export async function initThreadedWasm(tf: Tf, wasm: WasmModuleLike, options: ThreadedWasmOptions): Promise<ThreadedWasmResult> {
  if (isWasmInitialised(tf)) {
    return { ok: false, reason: 'the wasm backend was already initialised in this process' };
  }
  if (wasm.version_wasm !== supportedWasmVersion) {
    return { ok: false, reason: `the Node threads shim knows tfjs-backend-wasm ${supportedWasmVersion}, found ${wasm.version_wasm}` };
  }
  if (typeof SharedArrayBuffer === 'undefined' || typeof globalThis.Blob !== 'function' || typeof URL.createObjectURL !== 'function') {
    return { ok: false, reason: 'this runtime lacks SharedArrayBuffer, Blob or URL.createObjectURL' };
  }
  let dir: string;
  try {
    dir = makeTempDir(options.tempRoot);
  } catch (error) {
    return { ok: false, reason: `cannot create the worker temp folder: ${error instanceof Error ? error.message : String(error)}` };
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const hooks = installHooks(dir, options.threads);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(options.threads);
  let timer: NodeJS.Timeout | undefined;
  let ok: boolean | 'timeout';
  try {
    ok = await Promise.race([
      tf.setBackend('wasm'),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
        timer.unref();
      }),
    ]);
  } catch (error) {
    ok = false;
    hooks.errors.push(error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
    hooks.restore();
  }
  if (ok !== true) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const why = ok === 'timeout' ? `initialisation took over ${timeoutMs} ms` : hooks.errors[0] ?? 'the threaded build failed to initialise';
    return { ok: false, reason: why.split('\n')[0] };
  }
  if (unrefWorkers(tf).poolOnly) {
    removeDir(dir); // no worker will read the scripts again (the hooks are gone, too)
  }
  return { ok: true, threads: wasm.getThreadsCount() };
}
