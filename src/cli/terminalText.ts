/**
 * Terminal escaping of untrusted text (tensor keys, layer names, class names, paths), the terminal's
 * counterpart of HTML escaping: control characters are printed as visible `\uXXXX` escapes, so a name
 * holding `\x1b[2K\x1b[1A` cannot erase or forge lines. Escaped: C0 controls (U+0000–U+001F), DEL, C1
 * controls (U+0080–U+009F, where U+009B acts as CSI on some terminals) and the Unicode bidirectional
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069) that reorder what is shown. The `\uXXXX` form is
 * also a valid JSON escape, so JSON output stays parseable.
 */
import { escapeControls } from '../engine/io/untrustedText';
import type { CliIo } from './cli';

/**
 * Escapes control and bidi characters in `text` as `\uXXXX` (the engine's {@link escapeControls}). With
 * `keepLineBreaks`, `\n` and `\t` pass through (for whole output blocks); without it (one untrusted value,
 * one error line) they are escaped too. Example: `escapeTerminal('a\x1b[2Kb')` → `'a\\u001b[2Kb'`.
 */
export function escapeTerminal(text: string, keepLineBreaks = false): string {
  return escapeControls(text, keepLineBreaks);
}

/**
 * Wraps the CLI's output streams so that everything printed goes through {@link escapeTerminal} (line breaks
 * kept): the one place untrusted text reaches the terminal.
 */
export function terminalSafeIo(io: CliIo): CliIo {
  return {
    ...io,
    stdout: (text) => io.stdout(escapeTerminal(text, true)),
    stderr: (text) => io.stderr(escapeTerminal(text, true)),
  };
}
