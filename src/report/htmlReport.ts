/**
 * The standalone HTML report: one self-contained file (report data, dashboard bundle and CSS inlined)
 * with a strict Content-Security-Policy (hash-allowed script and style, no network), which the dashboard
 * renders in its `standalone` layout: every section stacked on one scrollable, printable page.
 *
 * In src/report because both sides write it: the CLI (`longtail report`, the demo) and the extension
 * ("Export report as HTML"). src/report uses Node and src/protocol only: no vscode, no TF.js, no engine
 * or extension code (eslint.config.mjs).
 */
import { createHash } from 'node:crypto';
import type { Report } from '../protocol/report';
import type { StandaloneThumbnails } from '../protocol/webviewProtocol';

/** Inputs of {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /** The contents of dist/webview/dashboard.js. */
  readonly bundleJs: string;
  /** The contents of media/dashboard.css. */
  readonly css: string;
  /** A second report shown as "after" in the compare section. */
  readonly compare?: Report;
  /** Short label in the page title (e.g. the report file name); shown as text. */
  readonly title?: string;
  /** Thumbnails of the top examples (see thumbnailSelection.ts), shown by the drill-down. */
  readonly thumbnails?: StandaloneThumbnails;
}

/**
 * JSON for a `<script type="application/json">` element: `<`, `>` and `&` become `\u003c`, `\u003e`,
 * `\u0026` (still valid JSON, same value), so no string (e.g. a class name `</script>`) can end the element
 * or open a comment; U+2028/2029 are escaped too.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Makes script text safe inside `<script>…</script>`: no `</script` or `<!--` sequences survive. */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Makes CSS text safe inside `<style>…</style>`. */
function styleSafe(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

/** CSP source for an inline element's exact text. */
function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Renders the self-contained HTML report. */
export function renderHtmlReport(report: Report, options: HtmlReportOptions): string {
  // The source-map comment would point at a file that does not travel with the report.
  const js = scriptSafe(options.bundleJs.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n'));
  const css = styleSafe(options.css);
  const csp = [
    "default-src 'none'",
    `script-src ${sha256Source(js)}`,
    `style-src ${sha256Source(css)}`,
    'img-src data: blob:',
    "font-src 'none'",
    "connect-src 'none'",
    "media-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = options.title ?? report.model.path.split(/[\\/]/).pop() ?? 'report';
  const compare = options.compare ? `\n<script type="application/json" id="longtail-compare">${jsonForScriptElement(options.compare)}</script>` : '';
  const thumbnails = options.thumbnails ? `\n<script type="application/json" id="longtail-thumbnails">${jsonForScriptElement(options.thumbnails)}</script>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="Long-Tail Lens ${escapeHtml(report.engine.version)}">
<title>Long-Tail Lens — ${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body data-layout="standalone" data-title="${escapeHtml(title)}">
<main id="app"><noscript>This report needs JavaScript to draw its charts.</noscript></main>
<script type="application/json" id="longtail-report">${jsonForScriptElement(report)}</script>${compare}${thumbnails}
<script>${js}</script>
</body>
</html>
`;
}
