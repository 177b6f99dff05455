/**
 * A minimal read-only zip reader (enough for NumPy `.npz`): finds the end-of-central-directory record
 * (and the zip64 one when counts or offsets overflow 32 bits), lists entries from the central
 * directory, and reads members by positioned reads. Methods: 0 (stored) and 8 (deflate, through the
 * bounded-inflate helper: output capped at the member's declared size). Encrypted and multi-disk archives
 * are rejected. CRC-32 is checked on full reads.
 */
import { crc32 } from 'node:zlib';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal } from '../../protocol/progress';
import { inflateBuffer, inflatePrefix, inflateToTempFile, type InflatedTempFile } from './boundedInflate';
import { readExactly, readUpTo, type OpenedFile } from './fileAccess';
import { quoteUntrusted } from './untrustedText';

/** One member of the archive, from the central directory. */
export interface ZipEntry {
  /** File name inside the archive. */
  readonly name: string;
  /** 0 stored, 8 deflate. */
  readonly method: number;
  /** CRC-32 of the uncompressed data. */
  readonly crc: number;
  /** Bytes in the archive. */
  readonly compressedSize: number;
  /** Bytes after inflating. */
  readonly uncompressedSize: number;
  /** Offset of the local file header. */
  readonly localHeaderOffset: number;
}

const sigEocd = 0x06054b50;
const sigZip64Locator = 0x07064b50;
const sigZip64Eocd = 0x06064b50;
const sigCentral = 0x02014b50;
const sigLocal = 0x04034b50;

function invalid(file: OpenedFile, what: string): LongtailError {
  return new LongtailError(ErrorCode.InvalidFile, `${file.path}: ${what}`, { file: file.path });
}

function u64(file: OpenedFile, buffer: Buffer, offset: number): number {
  if (offset + 8 > buffer.length) {
    throw invalid(file, 'corrupt zip64 field (truncated)');
  }
  const value = buffer.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw invalid(file, `corrupt zip64 field (value ${value} is beyond any file size)`);
  }
  return Number(value);
}

/** Lists the members of the zip archive in `file`. Throws {@link ErrorCode.UnknownFormat} if it is not a zip. */
export async function readZipDirectory(file: OpenedFile): Promise<ZipEntry[]> {
  const tailLength = Math.min(file.size, 22 + 0xffff);
  const tail = await readUpTo(file, file.size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === sigEocd) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    const head = await readUpTo(file, 0, 4);
    if (head.length === 4 && head.readUInt32LE(0) === sigLocal) {
      throw invalid(file, 'truncated or corrupt zip archive (no end-of-central-directory record)');
    }
    throw new LongtailError(ErrorCode.UnknownFormat, `${file.path}: not a zip archive (.npz files are zip archives written by numpy.savez)`, { file: file.path });
  }
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0) {
    throw invalid(file, 'multi-disk zip archives are not supported');
  }
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locatorAt = eocd - 20;
    if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== sigZip64Locator) {
      throw invalid(file, 'zip64 archive without a zip64 locator');
    }
    const zip64At = u64(file, tail, locatorAt + 8);
    const record = await readExactly(file, zip64At, 56, 'zip64 end-of-central-directory record');
    if (record.readUInt32LE(0) !== sigZip64Eocd) {
      throw invalid(file, 'corrupt zip64 end-of-central-directory record');
    }
    count = u64(file, record, 32);
    cdSize = u64(file, record, 40);
    cdOffset = u64(file, record, 48);
  }
  if (cdOffset + cdSize > file.size) {
    throw invalid(file, `truncated zip archive (central directory at ${cdOffset}+${cdSize} beyond the file's ${file.size} bytes)`);
  }
  if (count * 46 > cdSize) {
    throw invalid(file, `corrupt zip central directory (${count} entries cannot fit in ${cdSize} bytes)`);
  }
  const cd = await readExactly(file, cdOffset, cdSize, 'zip central directory');
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== sigCentral) {
      throw invalid(file, 'corrupt zip central directory');
    }
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let uncompressedSize = cd.readUInt32LE(p + 24);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLength + extraLength + commentLength > cd.length) {
      throw invalid(file, 'corrupt zip central directory (an entry runs past its end)');
    }
    const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLength);
    // Zip64 extended information: only the fields whose 32-bit value is 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const size = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        if (e + 4 + size > extraEnd) {
          throw invalid(file, `corrupt zip64 extra field for member ${quoteUntrusted(name)}`);
        }
        let q = e + 4;
        if (uncompressedSize === 0xffffffff) {
          uncompressedSize = u64(file, cd, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(file, cd, q);
          q += 8;
        }
        if (localHeaderOffset === 0xffffffff) {
          localHeaderOffset = u64(file, cd, q);
        }
      }
      e += 4 + size;
    }
    if (flags & 0x1) {
      throw invalid(file, `zip member ${quoteUntrusted(name)} is encrypted`);
    }
    entries.push({ name, method, crc, compressedSize, uncompressedSize, localHeaderOffset });
    p = extraEnd + commentLength;
  }
  return entries;
}

/** Absolute offset of a member's (possibly compressed) data, from its local header. */
export async function zipDataOffset(file: OpenedFile, entry: ZipEntry): Promise<number> {
  const local = await readExactly(file, entry.localHeaderOffset, 30, `local header of zip member ${quoteUntrusted(entry.name)}`);
  if (local.readUInt32LE(0) !== sigLocal) {
    throw invalid(file, `corrupt zip: bad local header for member ${quoteUntrusted(entry.name)}`);
  }
  const start = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (start + entry.compressedSize > file.size) {
    throw invalid(file, `truncated zip archive: member ${quoteUntrusted(entry.name)} ends beyond the end of the file`);
  }
  return start;
}

function checkMethod(file: OpenedFile, entry: ZipEntry): void {
  if (entry.method !== 0 && entry.method !== 8) {
    throw invalid(file, `zip member ${quoteUntrusted(entry.name)} uses unsupported compression method ${entry.method} (only stored and deflate)`);
  }
}

function bounds(file: OpenedFile, entry: ZipEntry, signal?: CancellationSignal): Parameters<typeof inflateBuffer>[1] {
  return { kind: 'deflate-raw', declared: entry.uncompressedSize, file: file.path, what: `zip member ${quoteUntrusted(entry.name)}`, signal };
}

/**
 * Reads and (if needed) inflates a whole member into memory, checking its size and CRC-32. Inflation stops at
 * the declared size; members over the in-memory limit are refused ({@link ErrorCode.TooLarge}): read
 * those with {@link inflateZipEntryToTemp}.
 */
export async function readZipEntry(file: OpenedFile, entry: ZipEntry): Promise<Buffer> {
  checkMethod(file, entry);
  const start = await zipDataOffset(file, entry);
  const raw = await readExactly(file, start, entry.compressedSize, `zip member ${quoteUntrusted(entry.name)}`);
  const data = entry.method === 0 ? raw : inflateBuffer(raw, bounds(file, entry));
  if (data.length !== entry.uncompressedSize || (crc32(data) >>> 0) !== entry.crc) {
    throw invalid(file, `zip member ${quoteUntrusted(entry.name)} is corrupt (size or CRC-32 mismatch)`);
  }
  return data;
}

/** Streams a deflated member into a temporary file (capped at its declared size), checking its size and CRC-32. */
export async function inflateZipEntryToTemp(file: OpenedFile, entry: ZipEntry, signal?: CancellationSignal): Promise<InflatedTempFile> {
  checkMethod(file, entry);
  const start = await zipDataOffset(file, entry);
  const temp = await inflateToTempFile(file, start, entry.compressedSize, bounds(file, entry, signal), entry.name);
  if (temp.size !== entry.uncompressedSize || temp.crc !== entry.crc) {
    await temp.dispose();
    throw invalid(file, `zip member ${quoteUntrusted(entry.name)} is corrupt (size or CRC-32 mismatch)`);
  }
  return temp;
}

/**
 * Inflates just the beginning of a member (at least `length` bytes when the member has them), for
 * reading an `.npy` header without inflating the whole array.
 */
export async function readZipEntryPrefix(file: OpenedFile, entry: ZipEntry, length: number): Promise<Buffer> {
  checkMethod(file, entry);
  const start = await zipDataOffset(file, entry);
  if (entry.method === 0) {
    return readExactly(file, start, Math.min(length, entry.compressedSize), `zip member ${quoteUntrusted(entry.name)}`);
  }
  // Deflate expands at most ~1032:1: the compressed bytes needed for `length` output are bounded.
  const take = Math.min(entry.compressedSize, Math.max(1024, length + 1024));
  const raw = await readExactly(file, start, take, `zip member ${quoteUntrusted(entry.name)}`);
  return inflatePrefix(raw, Math.min(length, entry.uncompressedSize), bounds(file, entry));
}
