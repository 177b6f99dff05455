/**
 * Imported first by the engine's child-process entry. stdout carries JSON-RPC frames, so anything a
 * library prints with console.log/info/debug/warn must go to stderr instead, where the host keeps it
 * as the engine's log (and reports its tail if the engine dies).
 */
const toStderr = (...args: unknown[]): void => {
  process.stderr.write(args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ') + '\n');
};
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;
console.warn = toStderr;
