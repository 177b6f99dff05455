/**
 * Untrusted text in messages (tensor keys, zip member names, layer and class names, file content quoted in
 * an error): control characters become visible `\uXXXX` escapes, so a message stays one line and cannot
 * drive a terminal. Escaped: C0 controls (U+0000–U+001F), DEL, C1 controls (U+0080–U+009F, where U+009B
 * acts as CSI on some terminals), the line and paragraph separators (U+2028, U+2029) and the Unicode
 * bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) that reorder what is shown. The
 * `\uXXXX` form is also a valid JSON escape, so JSON output stays parseable. The CLI applies the same
 * function to everything it prints (src/cli/terminalText.ts). Pure (src/protocol): the engine, the CLI, the
 * extension host and the webviews share it.
 */

const unsafeKeepingLineBreaks = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/g;
const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/g;

/**
 * The first control, separator or bidi character of `text` (the characters {@link escapeControls}
 * escapes, line breaks included), or null when there is none.
 */
export function firstUnsafeChar(text: string): string | null {
  unsafe.lastIndex = 0;
  const m = unsafe.exec(text);
  unsafe.lastIndex = 0;
  return m ? m[0] : null;
}

function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Escapes control, separator and bidi characters in `text` as `\uXXXX`. With `keepLineBreaks`, `\n` and
 * `\t` pass through (for whole output blocks); without it they are escaped too.
 * Example: `escapeControls('a\x1b[2Kb')` → `'a\\u001b[2Kb'`.
 */
export function escapeControls(text: string, keepLineBreaks = false): string {
  return text.replace(keepLineBreaks ? unsafeKeepingLineBreaks : unsafe, escapeChar);
}

/**
 * Quotes untrusted text for a one-line message: at most `max` characters (then `…`), controls escaped,
 * in single quotes. Example: `quoteUntrusted('fc\nweight')` → `'fc\\u000aweight'` (with the quotes).
 */
export function quoteUntrusted(text: string, max = 120): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return `'${escapeControls(cut)}'`;
}
