/**
 * Entry point of `dist/cli.js`: wires process streams, Ctrl-C and the exit code to `runCli`. The Ctrl-C handler is
 * installed before anything heavy loads: the CLI (TF.js, onnxruntime, Dawn) is imported afterwards, so an interrupt
 * during start-up on a busy machine is a clean cancellation (exit 130), never a kill by the default handler.
 */
import { escapeTerminal } from './terminalText';

const controller = { isCancellationRequested: false };
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  controller.isCancellationRequested = true;
  if (interrupts > 1) {
    process.exit(130);
  }
});

import('./cli')
  .then(({ runCli }) => runCli(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), progress: process.stderr.isTTY === true }, controller))
  .then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error[INTERNAL]: ${escapeTerminal(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 1;
  },
);
