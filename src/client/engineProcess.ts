/**
 * Host side of the engine: spawns `dist/engine.js` as a child process, talks typed JSON-RPC to it,
 * keeps the tail of its stderr, and restarts it on the next request after it died. No `vscode` import:
 * the extension wraps it, and integration tests drive it directly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CancellationToken,
  type MessageConnection,
  type RequestType,
  ResponseError,
} from 'vscode-jsonrpc/node';
import { DidEpochNotification, DidLogNotification, DidProgressNotification, type EpochMessage, type LogMessage } from '../protocol/engineProtocol';
import { ErrorCode, isEngineErrorData, LongtailError, type EngineErrorData } from '../protocol/errors';
import { withEngineAllocatorEnv } from '../protocol/nativeAllocator';
import type { ProgressSnapshot } from '../protocol/progress';

/** How to start the engine. */
export interface EngineProcessOptions {
  /** Absolute path of `dist/engine.js`. */
  readonly enginePath: string;
  /** Arguments for the engine (`--backend`, `--threads`). */
  readonly args?: readonly string[];
  /** Node executable. Defaults to `process.execPath` (with ELECTRON_RUN_AS_NODE=1 inside VS Code). */
  readonly nodePath?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Engine log lines (its `engine/didLog` notifications and its stderr). */
  readonly onLog?: (message: LogMessage) => void;
  /** Progress snapshots of requests given a progress token. */
  readonly onProgress?: (snapshot: ProgressSnapshot) => void;
  /** Finished fine-tuning epochs of requests given a progress token. */
  readonly onEpoch?: (message: EpochMessage) => void;
  /** Called when an engine process exits; `expected` is false for crashes. */
  readonly onExit?: (info: EngineExit) => void;
  /** Lines of stderr kept for crash reports. */
  readonly stderrLines?: number;
}

/** How an engine process ended. */
export interface EngineExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly expected: boolean;
  readonly stderrTail: string;
}

/** One running engine: its process, connection and the promise that settles when it exits. */
interface Running {
  readonly child: ChildProcess;
  readonly connection: MessageConnection;
  readonly exited: Promise<EngineExit>;
  stopping: boolean;
}

/** A lazily started, self-restarting engine child process. */
export class EngineProcess {
  private running: Running | undefined;
  private readonly stderrTail: string[] = [];
  private disposed = false;
  private starts = 0;

  constructor(private readonly options: EngineProcessOptions) {}

  /** How many engine processes have been started so far. */
  get startCount(): number {
    return this.starts;
  }

  /** Process id of the running engine, if any. */
  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  /**
   * Sends a request, starting an engine first if none runs. Rejects with a {@link LongtailError}:
   * the engine's own typed error, `CANCELLED`, or `ENGINE_EXITED` (with the stderr tail) if the
   * process died before answering.
   */
  async request<P, R>(type: RequestType<P, R, EngineErrorData>, params: P, token?: CancellationToken): Promise<R> {
    const running = this.ensureStarted();
    const exitedError = running.exited.then((exit) => {
      throw new LongtailError(ErrorCode.EngineExited, describeExit(exit), { detail: exit.stderrTail });
    });
    try {
      return await Promise.race([running.connection.sendRequest(type, params, token), exitedError]);
    } catch (error) {
      if (error instanceof LongtailError || (error instanceof ResponseError && (isEngineErrorData(error.data) || error.code === -32800))) {
        throw fromWire(error);
      }
      // The connection dropped (stdout closed) just before the process reports its exit: wait
      // briefly for the exit so the error says how the engine ended and what it last printed.
      const exit = await Promise.race([running.exited, new Promise<undefined>((r) => setTimeout(r, 2000, undefined))]);
      if (exit) {
        throw new LongtailError(ErrorCode.EngineExited, describeExit(exit), { detail: exit.stderrTail });
      }
      throw fromWire(error);
    } finally {
      exitedError.catch(() => undefined);
    }
  }

  /** Stops the engine (it restarts on the next request). Resolves once the process is gone. */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) {
      return;
    }
    running.stopping = true;
    running.connection.dispose();
    running.child.stdin?.end();
    const timer = setTimeout(() => running.child.kill('SIGKILL'), 2000);
    running.child.kill('SIGTERM');
    await running.exited;
    clearTimeout(timer);
  }

  /** Stops the engine for good. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
  }

  private ensureStarted(): Running {
    if (this.disposed) {
      throw new LongtailError(ErrorCode.EngineExited, 'the engine was shut down');
    }
    if (this.running) {
      return this.running;
    }
    // glibc malloc settings that keep onnxruntime's per-product buffers in the heap (protocol/nativeAllocator.ts).
    const env: NodeJS.ProcessEnv = withEngineAllocatorEnv({ ...process.env, ...this.options.env }, process.platform);
    if (!this.options.nodePath && process.versions.electron) {
      env.ELECTRON_RUN_AS_NODE = '1';
    }
    const child = spawn(this.options.nodePath ?? process.execPath, [this.options.enginePath, ...(this.options.args ?? [])], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
      windowsHide: true,
    });
    this.starts++;
    this.stderrTail.length = 0;
    const keep = this.options.stderrLines ?? 50;
    let partial = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        this.stderrTail.push(line);
        this.options.onLog?.({ level: 'info', message: `[engine stderr] ${line}` });
      }
      if (this.stderrTail.length > keep) {
        this.stderrTail.splice(0, this.stderrTail.length - keep);
      }
    });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    connection.onNotification(DidLogNotification, (m) => this.options.onLog?.(m));
    connection.onNotification(DidProgressNotification, (s) => this.options.onProgress?.(s));
    connection.onNotification(DidEpochNotification, (m) => this.options.onEpoch?.(m));
    connection.onError(() => undefined);
    const running: Running = {
      child,
      connection,
      stopping: false,
      exited: new Promise<EngineExit>((resolve) => {
        const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
          if (partial) {
            this.stderrTail.push(partial);
            partial = '';
          }
          const exit: EngineExit = { code, signal, expected: running.stopping, stderrTail: this.stderrTail.join('\n') };
          if (this.running === running) {
            this.running = undefined;
          }
          connection.dispose();
          this.options.onExit?.(exit);
          resolve(exit);
        };
        // 'close' (not 'exit'): stderr is fully read by then, so the tail is complete.
        child.once('close', finish);
        // If something else holds the engine's pipes open after it exited (a stray grandchild), 'close'
        // never comes: end the streams ourselves shortly after 'exit' so callers are never left waiting.
        child.once('exit', () => {
          setTimeout(() => {
            child.stdout?.destroy();
            child.stderr?.destroy();
            child.stdin?.destroy();
          }, 1000).unref();
        });
        child.once('error', (error) => {
          this.stderrTail.push(`failed to start the engine: ${error.message}`);
          finish(null, null);
        });
      }),
    };
    connection.listen();
    this.running = running;
    return running;
  }
}

/** One line describing an unexpected exit. */
function describeExit(exit: EngineExit): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const last = exit.stderrTail.trim().split('\n').filter(Boolean).pop();
  return `the engine ${how}${last ? ` (last message: ${last})` : ''}; it restarts on the next request`;
}

/** Turns what a request rejected with into a {@link LongtailError}. */
function fromWire(error: unknown): LongtailError {
  if (error instanceof LongtailError) {
    return error;
  }
  if (error instanceof ResponseError && isEngineErrorData(error.data)) {
    return LongtailError.fromData(error.data);
  }
  if (error instanceof ResponseError && error.code === -32800) {
    return new LongtailError(ErrorCode.Cancelled, 'cancelled');
  }
  const message = error instanceof Error ? error.message : String(error);
  return new LongtailError(ErrorCode.EngineExited, `lost the connection to the engine: ${message}`);
}
