/**
 * PyTorch checkpoints written by `torch.save` in its zip format (the default since torch 1.6): `.pth`, `.pt`,
 * `.ckpt`, `pytorch_model.bin`. The archive holds `<name>/data.pkl` (a pickle of the state dict whose tensors
 * refer to storages by persistent id) and one member `<name>/data/<key>` of raw little-endian bytes per storage.
 *
 * The pickle is read by {@link readPickle}, which accepts only what `torch.load(weights_only=True)` accepts and
 * executes nothing. Tensors are found anywhere in nested dicts and named by their dotted path, so a plain
 * `model.state_dict()` gives `fc.weight`, and a training checkpoint `{'state_dict': …, 'epoch': 3}` (PyTorch
 * Lightning) gives `state_dict.fc.weight`. Tensor data is read on demand: contiguous tensors in stored members by
 * positioned reads, anything else (strided views, deflated members) by reading the storage and gathering.
 *
 * Refused with a named error: a pickled whole module (`torch.save(model)`), the legacy pre-1.6 format, a tar
 * archive, big-endian data, storages or tensors that do not fit the bytes present.
 */
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { openForRead, readExactly, type OpenedFile } from './fileAccess';
import { positionedTensor } from './positionedTensor';
import { isPickledTensor, readPickle, storageTypes, type PickledStorage, type PickledTensor, type PickleValue } from './restrictedUnpickler';
import { decodeTensorBytes } from './tensorBytes';
import { dtypeByteSize, formatShape, shapeSize, type TensorArray, type TensorData, type TensorDType, type TensorEntry, type TensorFile } from './tensorArray';
import { readZipDirectory, readZipEntry, zipDataOffset, type ZipEntry } from './zipArchive';

/** Largest `data.pkl` read (it holds only names, shapes and storage keys; weights live in `data/`). */
export const maxPickleBytes = 256 * 2 ** 20;
/** Deepest dict nesting searched for tensors. */
const maxNesting = 32;

/** The `save a state dict` advice every refusal of a non-state-dict checkpoint carries. */
export const stateDictHint = 'save the weights with torch.save(model.state_dict(), path)';

/** True when a zip directory is a `torch.save` archive (it has exactly one `<name>/data.pkl` at its top). */
export function isTorchZipDirectory(entries: readonly ZipEntry[]): boolean {
  return entries.some((e) => /^[^/]+\/data\.pkl$/.test(e.name));
}

/** Opens a `torch.save` zip checkpoint as a {@link TensorFile} (format `pth`). */
export async function openTorchCheckpoint(file: string): Promise<TensorFile> {
  const opened = await openForRead(file);
  try {
    const members = await readZipDirectory(opened);
    const pickles = members.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
    if (pickles.length !== 1) {
      throw invalid(file, pickles.length ? `holds ${pickles.length} data.pkl records; expected one (a torch.save archive)` : 'is a zip archive without data.pkl: not a torch.save checkpoint');
    }
    const prefix = pickles[0].name.slice(0, -'data.pkl'.length);
    const byName = new Map(members.map((m) => [m.name, m]));
    const byteorder = byName.get(`${prefix}byteorder`);
    if (byteorder) {
      const order = (await readZipEntry(opened, byteorder)).toString('latin1').trim();
      if (order !== 'little') {
        throw invalid(file, `stores its tensors as ${JSON.stringify(order)}-endian; only little-endian checkpoints are read (re-save it on a little-endian machine)`);
      }
    }
    if (pickles[0].uncompressedSize > maxPickleBytes) {
      throw invalid(file, `${pickles[0].name} is ${pickles[0].uncompressedSize} bytes, more than the ${maxPickleBytes} a state dict's index needs`);
    }
    const pickleBytes = await readZipEntry(opened, pickles[0]);
    const where = `${file}[${pickles[0].name}]`;
    const storages = new Map<string, { storage: PickledStorage; member: ZipEntry }>();
    const value = readPickle(pickleBytes, {
      where,
      file,
      persistentLoad: (pid) => {
        const storage = storageFromPid(pid, where, file);
        const member = byName.get(`${prefix}data/${storage.key}`);
        if (!member) throw invalid(file, `refers to storage '${storage.key}', which the archive does not hold`);
        const needed = storage.numel * dtypeByteSize(storageTypes[storage.storageType] as TensorDType);
        if (member.uncompressedSize < needed) {
          throw invalid(file, `storage '${storage.key}' declares ${storage.numel} ${storageTypes[storage.storageType]} elements (${needed} bytes); the archive holds ${member.uncompressedSize}`);
        }
        storages.set(storage.key, { storage, member });
        return storage;
      },
    });
    const found: { name: string; tensor: PickledTensor }[] = [];
    collectTensors(value, '', 0, found, file);
    if (found.length === 0) {
      throw invalid(file, `holds no tensors; expected a state dict (${stateDictHint})`);
    }
    const entries: TensorEntry[] = [];
    for (const { name, tensor } of found) {
      const record = storages.get(tensor.storage.key);
      if (!record) throw invalid(file, `tensor '${name}' refers to an unknown storage`);
      entries.push(await tensorEntry(opened, name, tensor, record.member));
    }
    const byEntryName = new Map(entries.map((e) => [e.name, e]));
    return {
      path: file,
      format: 'pth',
      entries,
      get: (name) => byEntryName.get(name),
      close: async () => {
        await opened.handle.close();
      },
    };
  } catch (error) {
    await opened.handle.close();
    throw error;
  }
}

function invalid(file: string, what: string): LongtailError {
  return new LongtailError(ErrorCode.InvalidFile, `${file}: ${what}`, { file });
}

function storageFromPid(pid: PickleValue, where: string, file: string): PickledStorage {
  if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') {
    throw new LongtailError(ErrorCode.InvalidFile, `${where}: persistent id is not a ('storage', type, key, location, numel) record`, { file });
  }
  const [, type, key, , numel] = pid;
  const typeName = typeof type === 'object' && type !== null && !Array.isArray(type) && (type as { kind?: string }).kind === 'global' ? (type as { name: string }).name : '';
  if (!(typeName in storageTypes)) {
    throw new LongtailError(ErrorCode.InvalidFile, `${where}: storage type '${typeName || String(type)}' is not supported (float, double, half, bfloat16, integer and bool storages are)`, { file });
  }
  if (typeof key !== 'string' || !/^[\w.-]{1,64}$/.test(key)) {
    throw new LongtailError(ErrorCode.InvalidFile, `${where}: storage key is not a plain name`, { file });
  }
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    throw new LongtailError(ErrorCode.InvalidFile, `${where}: storage '${key}' has an invalid element count`, { file });
  }
  return { kind: 'storage', storageType: typeName, key, numel };
}

/** Depth-first, in insertion order: every tensor under string keys, named by its dotted key path. */
function collectTensors(value: PickleValue, prefix: string, depth: number, out: { name: string; tensor: PickledTensor }[], file: string): void {
  if (depth > maxNesting) throw invalid(file, `nests dicts more than ${maxNesting} deep`);
  if (isPickledTensor(value)) {
    out.push({ name: prefix || path.basename(file), tensor: value });
    return;
  }
  if (!(value instanceof Map)) return; // scalars, strings, lists (e.g. an optimizer's param_groups) hold no weights we read
  for (const [key, item] of value) {
    if (typeof key !== 'string' && typeof key !== 'number') continue;
    collectTensors(item, prefix ? `${prefix}.${key}` : String(key), depth + 1, out, file);
  }
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

async function tensorEntry(file: OpenedFile, name: string, tensor: PickledTensor, member: ZipEntry): Promise<TensorEntry> {
  const dtype = storageTypes[tensor.storage.storageType] as TensorDType;
  const itemSize = dtypeByteSize(dtype);
  const where = `${file.path}[${name}]`;
  const { shape, stride, offset } = tensor;
  const count = shapeSize(shape);
  if (!Number.isSafeInteger(count)) throw invalid(file.path, `tensor '${name}' has an impossible shape ${formatShape(shape)}`);
  // The last element the view reads, as an element index into the storage.
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
  if (count > 0 && (last >= tensor.storage.numel || !Number.isSafeInteger(last))) {
    throw invalid(file.path, `tensor '${name}' ${dtype} ${formatShape(shape)} (offset ${offset}, stride ${formatShape(stride)}) reaches beyond its storage of ${tensor.storage.numel} elements`);
  }
  if (member.method === 0 && isContiguous(shape, stride)) {
    const start = await zipDataOffset(file, member);
    return positionedTensor(file, { name, dtype, shape, offset: start + offset * itemSize, littleEndian: true, where });
  }
  const readAll = async (): Promise<TensorArray> => {
    const span = count === 0 ? 0 : last - offset + 1;
    let bytes: Uint8Array;
    if (member.method === 0) {
      bytes = await readExactly(file, (await zipDataOffset(file, member)) + offset * itemSize, span * itemSize, where);
    } else {
      bytes = (await readZipEntry(file, member)).subarray(offset * itemSize, (offset + span) * itemSize);
    }
    const source = decodeTensorBytes(bytes, dtype, span, true);
    return { name, dtype, shape, data: gather(source, shape, stride, count) };
  };
  const rowElements = shape.length === 0 ? 1 : shapeSize(shape.slice(1));
  return {
    name,
    dtype,
    shape,
    read: readAll,
    async readRows(start: number, rowCount: number) {
      const all = await readAll();
      const rows = shape.length === 0 ? 1 : shape[0];
      const first = Math.max(0, Math.min(start, rows));
      const n = Math.max(0, Math.min(rowCount, rows - first));
      return { name, dtype, shape: [n, ...shape.slice(1)], data: all.data.slice(first * rowElements, (first + n) * rowElements) };
    },
  };
}

/** Copies a strided view (element strides, relative to the view's first element) into C order. */
function gather(source: TensorData, shape: readonly number[], stride: readonly number[], count: number): TensorData {
  const out = new (source.constructor as new (n: number) => TensorData)(count);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = 0;
    for (let d = 0; d < shape.length; d++) at += index[d] * stride[d];
    (out as unknown as ArrayLike<number | bigint> & Record<number, number | bigint>)[i] = source[at];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}
