/**
 * The `longtail` command line (`dist/cli.js`). It calls the engine's functions directly, in-process,
 * with no JSON-RPC. Exit codes: 0 ok, 1 error in the user's input or data (one line on stderr,
 * `error[CODE]: message`), 2 bad usage, 130 cancelled (Ctrl-C). Stack traces only with `--debug`.
 */
import { parseArgs } from 'node:util';
import { ErrorCode, toLongtailError } from '../protocol/errors';
import type { CancellationSignal } from '../protocol/progress';
import { longtailVersion } from '../engine/version';
import { runAnalyse } from './commands/analyse';
import { runDemoCommand } from './commands/demo';
import { runFineTune } from './commands/fineTune';
import { runMakeLt } from './commands/makeLt';
import { runReport } from './commands/report';
import { commonOptions, engineFromOptions } from './commonOptions';
import { escapeTerminal, terminalSafeIo } from './terminalText';
import { UsageError } from './usageError';

/** Where the CLI writes; replaced in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Progress lines go to stderr only when it is a terminal, so scripts see one error line on failure. */
  readonly progress?: boolean;
}

const usage = `Usage: longtail <command> [options]

Commands:
  info                 Print version, compute backend (and why faster ones were skipped), Node, threads (JSON)
  analyse              Diagnose a checkpoint on an eval set; writes report.json (longtail analyse --help)
  finetune             Fine-tune a checkpoint with a long-tail loss (longtail finetune --help)
  demo                 Fashion-MNIST-LT + a small ERM CNN + the analysis (longtail demo --help)
  report               Render report.json as one self-contained HTML page (longtail report --help)
  make-lt              Write a long-tailed subset index of a dataset (longtail make-lt --help)

Common options:
  --backend <b>        auto | gpu | webgpu | native | wasm | cpu   (default: auto)
  --threads <n>        WASM and onnxruntime threads, 0 = chosen (WASM: one per core;
                       onnxruntime: cores minus the 1-minute load, at least 1; see info)  (default: 0)
  --debug              Show stack traces on errors
  -h, --help           Show this help
  -v, --version        Print the version

info options:
  --bench <seconds>    Also measure matrix-product GFLOP/s for this long
  --bench-size <n>     Matrix side for --bench                (default: 1024)

Exit codes: 0 ok, 1 bad input or data, 2 bad usage, 130 cancelled.
`;


function parseNumber(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max} (got '${value}')`);
  }
  return n;
}

async function runInfo(argv: string[], io: CliIo, signal: CancellationSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...commonOptions, bench: { type: 'string' }, 'bench-size': { type: 'string', default: '1024' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  const engine = await engineFromOptions(values);
  const info = engine.info();
  if (values.bench === undefined) {
    io.stdout(JSON.stringify(info, null, 2) + '\n');
    return 0;
  }
  const seconds = parseNumber('bench', values.bench, 0.01, 3600);
  const size = parseNumber('bench-size', values['bench-size'], 8, 8192);
  const throughput = await engine.measureThroughput({ seconds, size: Math.round(size) }, signal);
  io.stdout(JSON.stringify({ ...info, throughput }, null, 2) + '\n');
  return 0;
}

const commands: Record<string, (argv: string[], io: CliIo, signal: CancellationSignal) => Promise<number>> = {
  info: runInfo,
  analyse: runAnalyse,
  analyze: runAnalyse,
  'make-lt': runMakeLt,
  demo: runDemoCommand,
  report: runReport,
  finetune: runFineTune,
};

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], rawIo: CliIo, signal: CancellationSignal): Promise<number> {
  const debug = argv.includes('--debug');
  // Everything printed passes the terminal escaping (untrusted names cannot move the cursor or erase lines).
  const io = terminalSafeIo(rawIo);
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      io.stdout(usage);
      return command === undefined ? 2 : 0;
    }
    if (command === '-v' || command === '--version') {
      io.stdout(`${longtailVersion}\n`);
      return 0;
    }
    const run = commands[command];
    if (!run) {
      throw new UsageError(`unknown command '${command}'`);
    }
    return await run(rest, io, signal);
  } catch (error) {
    return reportError(error, io, debug);
  }
}

/** Prints one line for an error and returns the exit code it deserves. */
function reportError(error: unknown, io: CliIo, debug: boolean): number {
  if (debug && error instanceof Error && error.stack) {
    io.stderr(`${error.stack}\n`);
  }
  if (error instanceof UsageError || isParseArgsError(error)) {
    io.stderr(`error: ${escapeTerminal((error as Error).message)}\nRun 'longtail --help' for usage.\n`);
    return 2;
  }
  const e = toLongtailError(error);
  if (e.code === ErrorCode.Cancelled) {
    io.stderr('cancelled\n');
    return 130;
  }
  // One line: the message is escaped whole, its own line breaks included.
  const line = `error[${e.code}]: ${escapeTerminal(e.message)}\n`;
  if (e.code === ErrorCode.InvalidOption) {
    io.stderr(line);
    return 2;
  }
  io.stderr(line);
  if (e.code === ErrorCode.Internal && !debug) {
    io.stderr('This is a bug in Long-Tail Lens; run again with --debug for details.\n');
  }
  return 1;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
