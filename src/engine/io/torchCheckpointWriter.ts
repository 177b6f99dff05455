/**
 * Writes named arrays as a `torch.save` zip checkpoint that `torch.load(path, weights_only=True)` reads back as
 * an `OrderedDict` state dict of CPU tensors: `<archive>/data.pkl` (a protocol-2 pickle of
 * `OrderedDict[(name, _rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()))]`),
 * `<archive>/data/<i>` (each tensor's little-endian bytes), `<archive>/version` and `<archive>/byteorder`.
 * The pickle refers only to `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` and the typed storage
 * classes, so it loads under weights_only. Keys are written as given (a nested checkpoint read by
 * `openTorchCheckpoint` comes back as a flat state dict of dotted keys).
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { TensorArray, TensorDType } from './tensorArray';
import { dataBytes } from './tensorFileWriter';
import { encodeStoredZip, type ZipMember } from './zipWriter';

/** Storage class written for each element type (float16/bfloat16 are held as float32 after reading). */
const storageOf: Readonly<Record<TensorDType, string>> = {
  float16: 'FloatStorage',
  bfloat16: 'FloatStorage',
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  int8: 'CharStorage',
  int16: 'ShortStorage',
  int32: 'IntStorage',
  int64: 'LongStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
  uint16: '',
  uint32: '',
  uint64: '',
};

/** Appends pickle opcodes. */
class PickleWriter {
  private readonly chunks: number[] = [];
  op(code: number): this {
    this.chunks.push(code);
    return this;
  }
  global(module: string, name: string): this {
    this.op(0x63);
    for (const c of Buffer.from(`${module}\n${name}\n`, 'latin1')) this.chunks.push(c);
    return this;
  }
  str(text: string): this {
    const bytes = Buffer.from(text, 'utf8');
    this.op(0x58);
    this.u32(bytes.length);
    for (const c of bytes) this.chunks.push(c);
    return this;
  }
  int(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new LongtailError(ErrorCode.Internal, `internal error: pickle writer got ${value}`);
    }
    if (value < 2 ** 31) {
      this.op(0x4a);
      this.u32(value);
    } else {
      // LONG1 with 8 little-endian bytes (two's complement; value is positive and < 2^53).
      this.op(0x8a).op(8);
      let v = BigInt(value);
      for (let i = 0; i < 8; i++) {
        this.chunks.push(Number(v & 0xffn));
        v >>= 8n;
      }
    }
    return this;
  }
  tuple(values: readonly number[]): this {
    this.op(0x28);
    for (const v of values) this.int(v);
    return this.op(0x74);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
  private u32(v: number): void {
    this.chunks.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
}

/** The bytes of a `.pth` file holding `arrays` (in order) as a state dict; `archive` names its top folder. */
export function encodeTorchCheckpoint(arrays: readonly TensorArray[], archive = 'archive'): Uint8Array {
  const p = new PickleWriter();
  p.op(0x80).op(2); // PROTO 2
  p.global('collections', 'OrderedDict').op(0x29).op(0x52); // OrderedDict()
  const members: ZipMember[] = [];
  arrays.forEach((array, i) => {
    const storage = storageOf[array.dtype];
    if (!storage) {
      throw new LongtailError(ErrorCode.InvalidOption, `cannot write '${array.name}' (${array.dtype}) to a .pth: PyTorch has no ${array.dtype} storage`);
    }
    const numel = array.shape.reduce((a, b) => a * b, 1);
    const stride = array.shape.map((_, d) => array.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.str(array.name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op(0x28); // MARK: the argument tuple
    p.op(0x28).str('storage').global('torch', storage).str(String(i)).str('cpu').int(numel).op(0x74).op(0x51); // BINPERSID
    p.int(0).tuple(array.shape).tuple(stride).op(0x89); // offset, size, stride, requires_grad=False
    p.global('collections', 'OrderedDict').op(0x29).op(0x52); // backward_hooks
    p.op(0x74).op(0x52); // TUPLE, REDUCE
    p.op(0x73); // SETITEM
    members.push({ name: `${archive}/data/${i}`, body: dataBytes(array) });
  });
  p.op(0x2e); // STOP
  return encodeStoredZip(
    [
      { name: `${archive}/data.pkl`, body: p.bytes() },
      { name: `${archive}/byteorder`, body: Buffer.from('little') },
      ...members,
      { name: `${archive}/version`, body: Buffer.from('3\n') },
    ],
    '.pth',
  );
}
