/**
 * Decodes PNG (pngjs) and JPEG (jpeg-js) files, chosen by magic bytes, into uint8 RGBA. Policy: an image
 * that cannot be decoded is an error naming the image ({@link ErrorCode.InvalidFile}); readers do not
 * skip it silently, so counts and priors never drift from the file list.
 */
import { promises as fsp } from 'node:fs';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { fsError } from '../io/fileAccess';
import type { RawImage } from './imagePreprocessing';

/** True for a `.png`, `.jpg` or `.jpeg` name (case-insensitive). */
export function isImageFileName(name: string): boolean {
  return /\.(png|jpe?g)$/i.test(name);
}

/** Decodes image bytes (PNG or JPEG by magic) into 4-channel RGBA. `path` names the image in errors. */
export function decodeImageBytes(bytes: Buffer, path: string): RawImage {
  const fail = (why: string): LongtailError => new LongtailError(ErrorCode.InvalidFile, `${path}: cannot decode image (${why})`, { file: path });
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) {
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
      const jpeg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: jpeg.width, height: jpeg.height, channels: 4, data: jpeg.data };
    } catch (error) {
      throw fail(error instanceof Error ? error.message : String(error));
    }
  }
  throw fail('not a PNG or JPEG file');
}

/** Reads and decodes an image file. */
export async function readImageFile(path: string): Promise<RawImage> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path);
  } catch (error) {
    throw fsError(error, path);
  }
  return decodeImageBytes(bytes, path);
}
