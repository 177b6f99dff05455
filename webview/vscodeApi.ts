/**
 * The part of VS Code's `acquireVsCodeApi()` our webviews use, typed by the messages each sends. Outside VS Code
 * (the standalone HTML report, the render tests) there is no such function and {@link acquireVsCodeApi} gives null.
 */

/** `postMessage` to the extension host and the webview's persisted state. */
export interface VsCodeApi<Message = unknown> {
  postMessage(message: Message): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** VS Code's API object (it may be acquired once per page), or null outside VS Code. */
export function acquireVsCodeApi<Message = unknown>(): VsCodeApi<Message> | null {
  const acquire = (globalThis as { acquireVsCodeApi?: () => VsCodeApi<Message> }).acquireVsCodeApi;
  return typeof acquire === 'function' ? acquire() : null;
}
