/** Entry point of `dist/cli.js`: wires process streams, Ctrl-C and the exit code to {@link runCli}. */
import { runCli } from './cli';
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

runCli(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), progress: process.stderr.isTTY === true }, controller).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error[INTERNAL]: ${escapeTerminal(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 1;
  },
);
