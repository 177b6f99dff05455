/**
 * The HTML of the dashboard webview panel. The panel class loads the bundle and stylesheet through
 * `webview.asWebviewUri` and posts the report after the webview's `dashboard/ready` (see
 * src/protocol/webviewProtocol.ts); this page contains no data, only the shell.
 */

function attr(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * Builds the panel HTML with a strict CSP: nothing by default; the one script by nonce; styles and images
 * only from the extension (chart.js sizes canvases through the CSSOM, which CSP does not restrict, so no
 * 'unsafe-inline' is needed); no network.
 */
export function dashboardHtml(cspSource: string, scriptUri: string, styleUri: string, nonce: string): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error('dashboardHtml: the nonce must be at least 16 base64/hex characters');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${attr(styleUri)}">
<title>Long-Tail Lens</title>
</head>
<body data-layout="tabs">
<main id="app"></main>
<script nonce="${attr(nonce)}" src="${attr(scriptUri)}"></script>
</body>
</html>
`;
}
