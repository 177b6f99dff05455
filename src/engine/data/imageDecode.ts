/**
 * Decodes PNG (pngjs) and JPEG (jpeg-js) files, chosen by magic bytes, into uint8 RGBA. Policy: an image
 * that cannot be decoded is an error naming the image ({@link ErrorCode.InvalidFile}); readers do not
 * skip it silently, so counts and priors never drift from the file list. Both decoders are capped in
 * pixels (`LONGTAIL_MAX_IMAGE_MPIXELS`, docs/limits.md): PNG by its IHDR width × height before anything is
 * inflated, JPEG by jpeg-js's resolution and memory limits.
 *
 * The file's own channel count is read from its header ({@link DecodedImage.fileChannels}): PNG colour type 0
 * (grey) and 4 (grey + alpha) are 1 channel, 2 (RGB) and 6 (RGBA) are 3, and 3 (palette) is 1 when every pixel's
 * palette colour is grey, else 3; a JPEG's frame header (SOFn) gives its component count (1 = grey, 3 = YCbCr,
 * 4 = CMYK/YCCK, decoded to RGB). Alpha is dropped, as PIL's `convert('RGB')`/`convert('L')` drop it.
 */
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { readWholeFile } from '../io/fileAccess';
import { readLimits, tooLarge } from '../io/readLimits';
import type { RawImage } from './imagePreprocessing';

/** A decoded image: 1-channel grey data when the file is grey, else 4-channel RGBA. */
export interface DecodedImage extends RawImage {
  /** The file's own channel count with alpha dropped: 1 (grey) or 3 (colour). */
  readonly fileChannels: 1 | 3;
}

/** A JPEG's component count from its first SOFn frame header, or null when none is found before the scan. */
export function jpegComponentCount(bytes: Uint8Array): number | null {
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2; // no length
      continue;
    }
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision(1) height(2) width(2) Nf(1).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return i + 9 < bytes.length ? bytes[i + 9] : null;
    }
    if (marker === 0xda || length < 2) return null;
    i += 2 + length;
  }
  return null;
}

/** Keeps the first of every 4 bytes (RGBA → grey, for images whose R = G = B). */
function greyOf(rgba: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) out[p] = rgba[4 * p];
  return out;
}

/** True when every pixel of RGBA data has R = G = B. */
function allGrey(rgba: Uint8Array, pixels: number): boolean {
  for (let p = 0; p < pixels; p++) {
    const o = 4 * p;
    if (rgba[o] !== rgba[o + 1] || rgba[o] !== rgba[o + 2]) return false;
  }
  return true;
}

/** The image as returned: grey files as 1-channel data, colour files as RGBA. */
function decoded(width: number, height: number, rgba: Uint8Array, fileChannels: 1 | 3): DecodedImage {
  return fileChannels === 1
    ? { width, height, channels: 1, data: greyOf(rgba, width * height), fileChannels }
    : { width, height, channels: 4, data: rgba, fileChannels };
}

/** True for a `.png`, `.jpg` or `.jpeg` name (case-insensitive). */
export function isImageFileName(name: string): boolean {
  return /\.(png|jpe?g)$/i.test(name);
}

/**
 * Decodes image bytes (PNG or JPEG by magic) into grey (1 channel, for a grey file) or RGBA (4 channels).
 * `path` names the image in errors.
 */
export function decodeImageBytes(bytes: Buffer, path: string): DecodedImage {
  const fail = (why: string): LongtailError => new LongtailError(ErrorCode.InvalidFile, `${path}: cannot decode image (${why})`, { file: path });
  const maxPixels = readLimits().imagePixels;
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) {
    // IHDR is the first chunk: signature (8), length (4), 'IHDR' (4), width (4), height (4).
    if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') {
      throw fail('PNG without an IHDR header');
    }
    const pixels = bytes.readUInt32BE(16) * bytes.readUInt32BE(20);
    if (pixels > maxPixels) {
      throw tooLarge(path, `PNG image ${bytes.readUInt32BE(16)}×${bytes.readUInt32BE(20)}`, pixels, maxPixels, 'imagePixels');
    }
    let png: PNG;
    try {
      png = PNG.sync.read(bytes);
    } catch (error) {
      throw fail((error as Error).message);
    }
    const rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
    const colourType = bytes[25];
    const grey = colourType === 0 || colourType === 4 || (colourType === 3 && allGrey(rgba, png.width * png.height));
    return decoded(png.width, png.height, rgba, grey ? 1 : 3);
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    try {
      const jpeg = decodeJpeg(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: maxPixels / 1e6,
        // RGBA output plus jpeg-js's per-component buffers (about 3 bytes a pixel).
        maxMemoryUsageInMB: Math.ceil((maxPixels * 8) / (1024 * 1024)),
      });
      return decoded(jpeg.width, jpeg.height, jpeg.data, jpegComponentCount(bytes) === 1 ? 1 : 3);
    } catch (error) {
      if (error instanceof Error && /maxResolutionInMP|maxMemoryUsageInMB/.test(error.message)) {
        throw new LongtailError(ErrorCode.TooLarge, `${path}: JPEG image is over the limit of ${maxPixels} pixels (${error.message}; raise it with LONGTAIL_MAX_IMAGE_MPIXELS)`, { file: path });
      }
      throw fail(error instanceof Error ? error.message : String(error));
    }
  }
  throw fail('not a PNG or JPEG file');
}

/** Reads and decodes an image file. */
export async function readImageFile(path: string): Promise<DecodedImage> {
  return decodeImageBytes(await readWholeFile(path, { what: 'image file' }), path);
}
