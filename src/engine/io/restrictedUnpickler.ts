/**
 * A restricted reader of Python pickles, for the `data.pkl` of a `torch.save` checkpoint. It builds plain
 * values (numbers, strings, lists, tuples as arrays, dicts as `Map`s) and never executes anything: a GLOBAL
 * is only a name, and only the callables on the allow-list below are interpreted, by this module's own code.
 * The list is what `torch.load(weights_only=True)` accepts for a state dict (tensor and parameter rebuilds,
 * typed storages, `collections.OrderedDict`, `torch.Size`, dtypes, plain containers and scalars). Any other
 * GLOBAL, REDUCE, BUILD or NEWOBJ is refused with {@link ErrorCode.InvalidFile} naming the global, so a pickle
 * that would run code when loaded by Python is read as an error here.
 *
 * Bounded: every length is checked against the bytes present, and the stack, memo and container sizes are
 * capped, so a hostile pickle cannot make this allocate more than a small multiple of its own size.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';

/** A storage referenced by a persistent id: `('storage', torch.FloatStorage, key, location, numel)`. */
export interface PickledStorage {
  readonly kind: 'storage';
  /** Name of the storage class, e.g. `FloatStorage`. */
  readonly storageType: string;
  /** Archive key of its bytes (`data/<key>`). */
  readonly key: string;
  /** Number of elements the writer declared. */
  readonly numel: number;
}

/** A tensor rebuilt by `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`. */
export interface PickledTensor {
  readonly kind: 'tensor';
  readonly storage: PickledStorage;
  /** Element offset into the storage. */
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** A GLOBAL reference that has not been called (an allowed callable or class, or a dtype). */
export interface PickledGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

/** Any value the reader produces. Tuples and lists are arrays; dicts (and OrderedDicts) are Maps. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleValue, PickleValue>
  | PickledStorage
  | PickledTensor
  | PickledGlobal;

/** Storage classes of the zip format and their element types. */
export const storageTypes: Readonly<Record<string, string>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const dtypeNames = new Set(['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool', 'float', 'double', 'half', 'long', 'int', 'short']);

/** Allowed `module.name` callables and classes (besides `torch.<X>Storage` and `torch.<dtype>`). */
const allowedGlobals = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2',
  'torch.Size',
  'torch.device',
  'torch.nn.parameter.Parameter',
  'torch.Tensor',
  '_codecs.encode',
  'builtins.set',
  'builtins.frozenset',
  '__builtin__.set',
]);

const maxStack = 1_000_000;
const maxMemo = 1_000_000;

/** Options of {@link readPickle}. */
export interface PickleOptions {
  /** Resolves a persistent id (BINPERSID) to a value; without it a persistent id is refused. */
  readonly persistentLoad?: (pid: PickleValue) => PickleValue;
  /** How errors name the pickle, e.g. `model.pth[archive/data.pkl]`. */
  readonly where: string;
  /** The user's file, for the error's `file` field. */
  readonly file: string;
}


/** The reason a pickle that is not a state dict was refused, with the hint torch users need. */
export function refusedGlobalMessage(module: string, name: string): string {
  const qualified = `${module}.${name}`;
  const isModule = !module.startsWith('torch') && !module.startsWith('collections') && !module.startsWith('builtins') && !module.startsWith('numpy');
  const hint = isModule
    ? ' — this looks like a whole pickled model object, not a state dict; save the weights with torch.save(model.state_dict(), path)'
    : ' — only what torch.load(weights_only=True) allows is read (tensors, storages, OrderedDict, plain containers and scalars)';
  return `refused to load the Python global '${qualified}'${hint}`;
}

/**
 * Reads one pickle (protocols 2–5, the opcodes `torch.save` and `pickle.dump` emit for state dicts).
 * Returns the top-level value. Throws {@link ErrorCode.InvalidFile} for truncated or malformed data, an
 * unsupported opcode, or a global outside the allow-list (nothing is ever executed).
 */
export function readPickle(bytes: Uint8Array, options: PickleOptions): PickleValue {
  const { where, file } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new LongtailError(ErrorCode.InvalidFile, `${where}: ${what}`, { file });
  };
  let pos = 0;
  const need = (n: number, what: string): void => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > bytes.length) fail(`truncated pickle (${what} at byte ${pos} needs ${n} bytes)`);
  };
  const u8 = (): number => {
    need(1, 'byte');
    return bytes[pos++];
  };
  const u16 = (): number => {
    need(2, 'uint16');
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4, 'uint32');
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    need(4, 'int32');
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8, 'uint64');
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const take = (n: number, what: string): Uint8Array => {
    need(n, what);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const utf8 = (n: number): string => {
    const raw = take(n, 'string');
    try {
      return decoder.decode(raw);
    } catch {
      return fail(`string at byte ${pos - n} is not valid UTF-8`);
    }
  };
  const latin1 = (raw: Uint8Array): string => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('truncated pickle (unterminated GLOBAL name)');
    const s = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const longFrom = (raw: Uint8Array): number | bigint => {
    if (raw.length === 0) return 0;
    let v = 0n;
    for (let i = raw.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]);
    if (raw[raw.length - 1] & 0x80) v -= 1n << BigInt(raw.length * 8);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  const push = (v: PickleValue): void => {
    if (stack.length >= maxStack) fail('pickle stack too deep');
    stack.push(v);
  };
  const pop = (): PickleValue => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail('malformed pickle (stack underflow)');
    return stack.pop()!;
  };
  const top = (): PickleValue => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail('malformed pickle (stack underflow)');
    return stack[stack.length - 1];
  };
  const popMark = (): PickleValue[] => {
    const m = marks.pop();
    if (m === undefined) fail('malformed pickle (no MARK)');
    return stack.splice(m as number);
  };
  const put = (index: number): void => {
    if (memo.size >= maxMemo && !memo.has(index)) fail('pickle memo too large');
    memo.set(index, top());
  };
  const get = (index: number): void => {
    if (!memo.has(index)) fail(`malformed pickle (memo entry ${index} is missing)`);
    push(memo.get(index) as PickleValue);
  };
  const asMap = (v: PickleValue, op: string): Map<PickleValue, PickleValue> => {
    if (!(v instanceof Map)) fail(`malformed pickle (${op} on a value that is not a dict)`);
    return v as Map<PickleValue, PickleValue>;
  };
  const asList = (v: PickleValue, op: string): PickleValue[] => {
    if (!Array.isArray(v)) fail(`malformed pickle (${op} on a value that is not a list)`);
    return v as PickleValue[];
  };
  const global = (module: string, name: string): PickledGlobal => {
    const qualified = `${module}.${name}`;
    const ok =
      allowedGlobals.has(qualified) ||
      (module === 'torch' && (name in storageTypes || dtypeNames.has(name))) ||
      (module === 'torch.storage' && name === 'UntypedStorage');
    if (!ok) fail(refusedGlobalMessage(module, name));
    return { kind: 'global', module, name };
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol newer than 5');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) fail('malformed pickle (STOP with an unbalanced stack)');
        return stack[0];
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        push([]);
        break;
      case 0x8f: // EMPTY_SET
        push([]);
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(longFrom(take(u8(), 'LONG1')));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) fail('malformed pickle (negative LONG4 length)');
        push(longFrom(take(n, 'LONG4')));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8, 'BINFLOAT');
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        push(utf8(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8(u64()));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str: bytes, read as latin-1 text)
        push(latin1(take(u8(), 'SHORT_BINSTRING')));
        break;
      case 0x54: {
        // BINSTRING
        const n = i32();
        if (n < 0) fail('malformed pickle (negative BINSTRING length)');
        push(latin1(take(n, 'BINSTRING')));
        break;
      }
      case 0x43: // SHORT_BINBYTES
        push(take(u8(), 'SHORT_BINBYTES').slice());
        break;
      case 0x42: // BINBYTES
        push(take(u32(), 'BINBYTES').slice());
        break;
      case 0x8e: // BINBYTES8
        push(take(u64(), 'BINBYTES8').slice());
        break;
      case 0x74: // TUPLE
        push(popMark());
        break;
      case 0x85: // TUPLE1
        push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push([a, b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push([a, b, c]);
        break;
      }
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2) fail('malformed pickle (DICT with an odd number of items)');
        const map = new Map<PickleValue, PickleValue>();
        for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
        push(map);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        asList(top(), 'APPEND').push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = asList(top(), 'APPENDS');
        for (const v of items) list.push(v);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = asList(top(), 'ADDITEMS');
        for (const v of items) set.push(v);
        break;
      }
      case 0x91: // FROZENSET
        push(popMark());
        break;
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        asMap(top(), 'SETITEM').set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('malformed pickle (SETITEMS with an odd number of items)');
        const map = asMap(top(), 'SETITEMS');
        for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
        break;
      }
      case 0x71: // BINPUT
        put(u8());
        break;
      case 0x72: // LONG_BINPUT
        put(u32());
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        get(u8());
        break;
      case 0x6a: // LONG_BINGET
        get(u32());
        break;
      case 0x30: // POP
        if (marks.length && stack.length === marks[marks.length - 1]) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        push(global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('malformed pickle (STACK_GLOBAL needs two strings)');
        push(global(module as string, name as string));
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail('pickle refers to external data (persistent id) where none is allowed');
        push(options.persistentLoad!(pid));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        push(reduce(callable, args, fail));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args) — only for allowed classes, read like a call.
        const args = pop();
        const cls = pop();
        push(reduce(cls, args, fail));
        break;
      }
      case 0x62: {
        // BUILD: obj.__setstate__(state). For an OrderedDict (a state dict's `_metadata`) the state is kept
        // nowhere: only the items matter. Anything else is refused.
        pop();
        const obj = top();
        if (!(obj instanceof Map) && !isPickledTensor(obj)) fail('malformed pickle (BUILD on a value that is not a dict or tensor)');
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1}`);
    }
  }
}

/** True for a tensor rebuilt by the reader. */
export function isPickledTensor(v: PickleValue): v is PickledTensor {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Uint8Array) && (v as { kind?: string }).kind === 'tensor';
}

function isGlobal(v: PickleValue): v is PickledGlobal {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Uint8Array) && (v as { kind?: string }).kind === 'global';
}

function isStorage(v: PickleValue): v is PickledStorage {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Uint8Array) && (v as { kind?: string }).kind === 'storage';
}

function intList(v: PickleValue, what: string, fail: (what: string) => never): number[] {
  if (!Array.isArray(v)) fail(`${what} is not a tuple`);
  return (v as PickleValue[]).map((x) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) fail(`${what} holds ${String(x)}, not a non-negative integer`);
    return x as number;
  });
}

/** Interprets a call of an allowed global; the allow-list was checked when the GLOBAL was read. */
function reduce(callable: PickleValue, args: PickleValue, fail: (what: string) => never): PickleValue {
  if (!isGlobal(callable)) fail('malformed pickle (REDUCE of a value that is not a global)');
  const g = callable as PickledGlobal;
  if (!Array.isArray(args)) fail(`malformed pickle (arguments of ${g.module}.${g.name} are not a tuple)`);
  const a = args as PickleValue[];
  switch (`${g.module}.${g.name}`) {
    case 'collections.OrderedDict': {
      const map = new Map<PickleValue, PickleValue>();
      if (a.length && Array.isArray(a[0])) {
        for (const pair of a[0] as PickleValue[]) {
          if (!Array.isArray(pair) || pair.length !== 2) fail('malformed pickle (OrderedDict items are not pairs)');
          map.set((pair as PickleValue[])[0], (pair as PickleValue[])[1]);
        }
      }
      return map;
    }
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, size, stride] = a;
      if (!isStorage(storage)) fail('malformed pickle (tensor rebuilt from something that is not a storage)');
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) fail('malformed pickle (tensor storage offset is not a non-negative integer)');
      const shape = intList(size, 'tensor size', fail);
      const strides = intList(stride, 'tensor stride', fail);
      if (shape.length !== strides.length) fail(`malformed pickle (tensor size has ${shape.length} dims, stride ${strides.length})`);
      return { kind: 'tensor', storage: storage as PickledStorage, offset: offset as number, shape, stride: strides };
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      if (!isPickledTensor(a[0])) fail('malformed pickle (parameter rebuilt from something that is not a tensor)');
      return a[0];
    case 'torch._tensor._rebuild_from_type_v2': {
      // (func, new_type, args, state): the tensor is func(*args); new_type (Parameter/Tensor) changes nothing here.
      const [func, , inner] = a;
      return reduce(func, inner, fail);
    }
    case 'torch.nn.parameter.Parameter':
      if (!isPickledTensor(a[0])) fail('malformed pickle (Parameter of something that is not a tensor)');
      return a[0];
    case 'torch.Size':
      return a.length ? (Array.isArray(a[0]) ? a[0] : fail('malformed pickle (torch.Size of a non-tuple)')) : [];
    case 'torch.device':
      return typeof a[0] === 'string' ? a[0] : fail('malformed pickle (torch.device of a non-string)');
    case '_codecs.encode': {
      const [text, encoding] = a;
      if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) fail("malformed pickle (_codecs.encode other than a string as 'latin1')");
      const out = new Uint8Array((text as string).length);
      for (let i = 0; i < out.length; i++) out[i] = (text as string).charCodeAt(i) & 0xff;
      return out;
    }
    case 'builtins.set':
    case 'builtins.frozenset':
    case '__builtin__.set':
      return a.length && Array.isArray(a[0]) ? [...(a[0] as PickleValue[])] : [];
    default:
      return fail(`refused to call the Python global '${g.module}.${g.name}' (only tensor rebuilds and containers are read)`);
  }
}
