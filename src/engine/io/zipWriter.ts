/**
 * Writes a zip archive of stored (uncompressed) members, as `numpy.savez` and `torch.save` do. No zip64: an
 * archive above 4 GiB is refused. Readers: {@link readZipDirectory} and friends in `zipArchive.ts`.
 */
import { crc32 } from 'node:zlib';
import { ErrorCode, LongtailError } from '../../protocol/errors';

/** One member to write. */
export interface ZipMember {
  /** Name inside the archive (UTF-8). */
  readonly name: string;
  /** Its bytes, stored as they are. */
  readonly body: Uint8Array;
}

/** The bytes of a zip archive holding `members` in order; `kind` names the file type in errors (`.npz`, `.pth`). */
export function encodeStoredZip(members: readonly ZipMember[], kind: string): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const member of members) {
    const name = Buffer.from(member.name, 'utf8');
    const body = member.body;
    if (offset + body.length > 0xfffffff0) {
      throw new LongtailError(ErrorCode.InvalidOption, `the ${kind} writer does not write archives above 4 GiB (zip64)`);
    }
    const crc = crc32(body) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(0, 10);
    entry.writeUInt32LE(0, 12);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(body.length, 20);
    entry.writeUInt32LE(body.length, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(entry, name);
    offset += local.length + name.length + body.length;
  }
  const centralSize = central.reduce((a, b) => a + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}
