/**
 * Decodes PNG (pngjs) and JPEG (jpeg-js) files, chosen by magic bytes, into uint8 RGBA. Policy: an image
 * that cannot be decoded is an error naming the image ({@link ErrorCode.InvalidFile}); readers do not
 * skip it silently, so counts and priors never drift from the file list. Both decoders are capped in
 * pixels (`LONGTAIL_MAX_IMAGE_MPIXELS`, docs/limits.md): PNG by its IHDR width × height before anything is
 * inflated, JPEG by jpeg-js's resolution and memory limits.
 */
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { readWholeFile } from '../io/fileAccess';
import { readLimits, tooLarge } from '../io/readLimits';
import type { RawImage } from './imagePreprocessing';

/** True for a `.png`, `.jpg` or `.jpeg` name (case-insensitive). */
export function isImageFileName(name: string): boolean {
  return /\.(png|jpe?g)$/i.test(name);
}

/** Decodes image bytes (PNG or JPEG by magic) into 4-channel RGBA. `path` names the image in errors. */
export function decodeImageBytes(bytes: Buffer, path: string): RawImage {
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
    return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
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
      return { width: jpeg.width, height: jpeg.height, channels: 4, data: jpeg.data };
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
export async function readImageFile(path: string): Promise<RawImage> {
  return decodeImageBytes(await readWholeFile(path, { what: 'image file' }), path);
}
