/** Untrusted text in messages: the one implementation lives in src/protocol/untrustedText.ts (shared with the extension and webviews). */
export { escapeControls, firstUnsafeChar, quoteUntrusted } from '../../protocol/untrustedText';
