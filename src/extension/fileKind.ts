/** Whether a file named in an error can be opened as text in an editor (vscode-free). */

/** Names of files that are binary whatever their first bytes say (checkpoints, arrays, archives, images, IDX `*-ubyte`). */
const binaryExtensions = /\.(bin|onnx|npz|npy|safetensors|pb|pt|pth|ckpt|h5|hdf5|keras|tflite|gz|zip|tar|png|jpe?g|gif|bmp|webp)$|[-.]ubyte$/i;

/**
 * True when `head` (the first bytes of the file, up to a few KiB) looks like text: no NUL byte and under
 * 10% control characters other than tab, CR, LF and form feed; and the name has no known binary extension.
 * An empty file is text.
 */
export function looksLikeText(fileName: string, head: Uint8Array): boolean {
  if (binaryExtensions.test(fileName)) return false;
  let control = 0;
  for (const byte of head) {
    if (byte === 0) return false;
    if (byte < 32 && byte !== 9 && byte !== 10 && byte !== 12 && byte !== 13) control++;
  }
  return control <= head.length * 0.1;
}
