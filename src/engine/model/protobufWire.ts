/**
 * A minimal protocol-buffers wire-format reader and writer (no schema, no dependency), enough to read an
 * ONNX `ModelProto` and to append fields to it. Wire format: every field is `tag = (number << 3) | wireType`
 * as a base-128 varint, followed by a varint (type 0), 8 bytes (type 1), a varint length and that many bytes
 * (type 2) or 4 bytes (type 5). Groups (types 3/4) are obsolete and rejected.
 * Reference: https://protobuf.dev/programming-guides/encoding/
 */

/** Wire types. */
export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;

/** Thrown on malformed protobuf bytes; callers turn it into a {@link LongtailError} naming the file. */
export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

/** One top-level field of a message, in file order. */
export interface ProtoField {
  /** Field number. */
  readonly field: number;
  /** Wire type (see {@link WireType}). */
  readonly wireType: number;
  /** Offset of the tag in the message bytes. */
  readonly start: number;
  /** Offset just past the field. */
  readonly end: number;
  /** Varint value (wire type 0). */
  readonly varint?: bigint;
  /** Payload: the bytes of a length-delimited field, or the 4/8 raw bytes of a fixed field (a view, not a copy). */
  readonly bytes?: Uint8Array;
}

const textDecoder = new TextDecoder('utf-8');
const textEncoder = new TextEncoder();

/** Reads a varint at `pos`; returns the value and the next offset. */
export function readVarint(buf: Uint8Array, pos: number): { value: bigint; next: number } {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) {
      throw new ProtobufError('truncated varint');
    }
    const byte = buf[pos++];
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) {
      return { value: BigInt.asUintN(64, result), next: pos };
    }
    shift += 7n;
  }
  throw new ProtobufError('varint longer than 10 bytes');
}

/** Parses the top-level fields of one message. Throws {@link ProtobufError} on malformed input. */
export function parseMessage(buf: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const tag = readVarint(buf, pos);
    pos = tag.next;
    const field = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (field === 0) {
      throw new ProtobufError(`invalid field number 0 at byte ${start}`);
    }
    switch (wireType) {
      case WireType.Varint: {
        const v = readVarint(buf, pos);
        pos = v.next;
        fields.push({ field, wireType, start, end: pos, varint: v.value });
        break;
      }
      case WireType.Fixed64:
      case WireType.Fixed32: {
        const n = wireType === WireType.Fixed64 ? 8 : 4;
        if (pos + n > buf.length) {
          throw new ProtobufError(`truncated fixed field ${field} at byte ${start}`);
        }
        fields.push({ field, wireType, start, end: pos + n, bytes: buf.subarray(pos, pos + n) });
        pos += n;
        break;
      }
      case WireType.LengthDelimited: {
        const len = readVarint(buf, pos);
        pos = len.next;
        const n = Number(len.value);
        if (n > buf.length - pos) {
          throw new ProtobufError(`field ${field} at byte ${start} claims ${n} bytes but only ${buf.length - pos} remain`);
        }
        fields.push({ field, wireType, start, end: pos + n, bytes: buf.subarray(pos, pos + n) });
        pos += n;
        break;
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wireType} for field ${field} at byte ${start}`);
    }
  }
  return fields;
}

/** The UTF-8 string of a length-delimited field. */
export function fieldString(f: ProtoField): string {
  if (f.bytes === undefined || f.wireType !== WireType.LengthDelimited) {
    throw new ProtobufError(`field ${f.field} is not a string`);
  }
  return textDecoder.decode(f.bytes);
}

/** Integer values of a repeated int field, packed (one length-delimited field) or not (one varint). */
export function fieldInts(f: ProtoField): bigint[] {
  if (f.wireType === WireType.Varint && f.varint !== undefined) {
    return [f.varint];
  }
  if (f.wireType === WireType.LengthDelimited && f.bytes !== undefined) {
    const out: bigint[] = [];
    let pos = 0;
    while (pos < f.bytes.length) {
      const v = readVarint(f.bytes, pos);
      out.push(v.value);
      pos = v.next;
    }
    return out;
  }
  throw new ProtobufError(`field ${f.field} is not an integer`);
}

/** Interprets an unsigned 64-bit varint as a signed int64 (two's complement), as a number. */
export function toInt64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** float values of a repeated float field, packed or one fixed32. */
export function fieldFloats(f: ProtoField): Float32Array {
  if (f.bytes === undefined || (f.wireType !== WireType.LengthDelimited && f.wireType !== WireType.Fixed32)) {
    throw new ProtobufError(`field ${f.field} is not a float`);
  }
  if (f.bytes.length % 4 !== 0) {
    throw new ProtobufError(`packed float field ${f.field} has ${f.bytes.length} bytes, not a multiple of 4`);
  }
  const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  const out = new Float32Array(f.bytes.length / 4);
  for (let i = 0; i < out.length; i++) {
    out[i] = view.getFloat32(4 * i, true);
  }
  return out;
}

/** Encodes a non-negative integer (or a bigint, taken modulo 2^64) as a varint. */
export function encodeVarint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) {
      byte |= 0x80;
    }
    out.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) {
    n += p.length;
  }
  const out = new Uint8Array(n);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Builds a message field by field. */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  /** A varint field (also int64: negative values are written as two's complement, 10 bytes). */
  varint(field: number, value: number | bigint): this {
    this.parts.push(encodeVarint((field << 3) | WireType.Varint), encodeVarint(value));
    return this;
  }

  /** A length-delimited field holding raw bytes (a sub-message, packed values, raw data). */
  bytes(field: number, payload: Uint8Array): this {
    this.parts.push(encodeVarint((field << 3) | WireType.LengthDelimited), encodeVarint(payload.length), payload);
    return this;
  }

  /** A UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** A single float (fixed32) field. */
  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.parts.push(encodeVarint((field << 3) | WireType.Fixed32), b);
    return this;
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(4 * values.length);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) {
      view.setFloat32(4 * i, values[i], true);
    }
    return this.bytes(field, b);
  }

  /** A packed repeated int field (int64 semantics). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    return this.bytes(field, concatBytes(values.map((v) => encodeVarint(v))));
  }

  /** Bytes already encoded as fields (copied verbatim). */
  raw(encoded: Uint8Array): this {
    this.parts.push(encoded);
    return this;
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return concatBytes(this.parts);
  }
}
