/**
 * Loads one of our webview bundles into a panel: scripts on, local resources limited to `dist/webview` and `media`,
 * and the page from {@link dashboardHtml} (strict CSP with a fresh nonce). Every panel (dashboard, fine-tune,
 * runs table) starts this way.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { dashboardHtml } from '../dashboardHtml';

/** Sets `webview`'s options and HTML for `dist/webview/<bundle>` styled by `media/<stylesheet>`. */
export function loadWebview(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: string, stylesheet: string): void {
  webview.options = {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
  webview.html = dashboardHtml(
    webview.cspSource,
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', bundle)).toString(),
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', stylesheet)).toString(),
    randomBytes(18).toString('base64'),
  );
}
