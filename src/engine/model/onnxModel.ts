/**
 * Reads the parts of an ONNX `ModelProto` the engine needs (graph nodes, inputs, outputs, initializers) with
 * the schema-less reader in protobufWire.ts, and edits the bytes to expose an intermediate tensor as an
 * extra graph output. Field numbers (onnx/onnx.proto3):
 * ModelProto.graph = 7; GraphProto.node = 1, initializer = 5, input = 11, output = 12;
 * NodeProto input = 1, output = 2, name = 3, op_type = 4, attribute = 5;
 * AttributeProto name = 1, f = 2, i = 3, s = 4, t = 5; ValueInfoProto name = 1, type = 2;
 * TypeProto.tensor_type = 1; TypeProto.Tensor elem_type = 1, shape = 2; TensorShapeProto.dim = 1;
 * Dimension dim_value = 1, dim_param = 2; TensorProto dims = 1, data_type = 2, float_data = 4, name = 8,
 * raw_data = 9, external_data = 13, data_location = 14.
 */
import { concatBytes, fieldFloats, fieldInts, fieldString, parseMessage, ProtobufError, ProtoWriter, toInt64, type ProtoField } from './protobufWire';
import { escapeControls } from '../io/untrustedText';

/** ONNX TensorProto.DataType.FLOAT. */
export const onnxFloat = 1;

/** One node of the graph. */
export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Integer and float attributes (strings, tensors and lists are not needed here). */
  readonly attributes: ReadonlyMap<string, number>;
  /** The `value` tensor of a `Constant` node. */
  readonly constantValue?: OnnxTensor;
}

/** A graph input or output: name, element type and shape (null entries are symbolic or unknown dims). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: number | null;
  readonly shape: readonly (number | null)[] | null;
}

/** An initializer (or Constant value); data is decoded on demand. */
export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  /** True when the data lives in an external file (`data_location = EXTERNAL`). */
  readonly external: boolean;
  /**
   * Where external data lives: `location` relative to the model file, byte `offset` and `length` (null = to
   * the end). Offsets and lengths that are not non-negative decimal integers are NaN (refused by the loader).
   */
  readonly externalData?: { readonly location: string; readonly offset: number; readonly length: number | null };
  /** Bytes of the serialised TensorProto (an upper bound on the data stored inline). */
  readonly storedBytes: number;
  /** float32 values, or null for other types and external data. */
  floats(): Float32Array | null;
}

/** The parsed graph. */
export interface OnnxGraph {
  readonly nodes: readonly OnnxNode[];
  /** Graph inputs that are not initializers (the model's real inputs). */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly initializers: ReadonlyMap<string, OnnxTensor>;
}

/** A non-negative decimal integer, or NaN ("3e9", "-1", "0x10" and "" are NaN). */
function decimal(text: string): number {
  return /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
}

/** Bytes per element of ONNX TensorProto data types (sub-byte types count as 1/2), or null when unknown (strings). */
export function onnxElementBytes(dataType: number): number | null {
  const sizes: Readonly<Record<number, number>> = {
    1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2,
    17: 1, 18: 1, 19: 1, 20: 1, 21: 0.5, 22: 0.5, 23: 0.5,
  };
  return sizes[dataType] ?? null;
}

/**
 * Checks a tensor's declared size against the data actually present, before anything allocates it:
 * dims must be non-negative integers; inline data cannot hold more elements than 2 per stored byte (the
 * densest ONNX packing); external data must declare a length equal to elements × element size. Returns a
 * problem to report, or null.
 */
export function tensorSizeProblem(t: OnnxTensor): string | null {
  if (!t.dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return `tensor "${escapeControls(t.name)}" has invalid dims [${t.dims.join(', ')}]`;
  }
  const elements = t.dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(elements)) {
    return `tensor "${escapeControls(t.name)}" has dims [${t.dims.join(', ')}] beyond any size`;
  }
  if (!t.external) {
    return elements > 2 * t.storedBytes ? `tensor "${escapeControls(t.name)}" declares dims [${t.dims.join(', ')}] (${elements} elements) but stores only ${t.storedBytes} bytes` : null;
  }
  const ext = t.externalData;
  if (ext === undefined) {
    return `tensor "${escapeControls(t.name)}" is marked external but names no location`;
  }
  if (!Number.isSafeInteger(ext.offset) || (ext.length !== null && !Number.isSafeInteger(ext.length))) {
    return `tensor "${escapeControls(t.name)}" has an invalid external-data offset or length (must be non-negative integers)`;
  }
  const size = onnxElementBytes(t.dataType);
  if (size !== null && ext.length !== null && ext.length !== Math.ceil(elements * size)) {
    return `tensor "${escapeControls(t.name)}" declares dims [${t.dims.join(', ')}] (${Math.ceil(elements * size)} bytes) but its external data length is ${ext.length}`;
  }
  return null;
}

function parseTensor(bytes: Uint8Array): OnnxTensor {
  const fields = parseMessage(bytes);
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let external = false;
  const floatFields: ProtoField[] = [];
  let raw: Uint8Array | undefined;
  const ext = new Map<string, string>();
  for (const f of fields) {
    if (f.field === 1) {
      dims.push(...fieldInts(f).map(toInt64));
    } else if (f.field === 2 && f.varint !== undefined) {
      dataType = Number(f.varint);
    } else if (f.field === 4) {
      floatFields.push(f);
    } else if (f.field === 8) {
      name = fieldString(f);
    } else if (f.field === 9) {
      raw = f.bytes;
    } else if (f.field === 13 && f.bytes !== undefined) {
      let key = '';
      let value = '';
      for (const kv of parseMessage(f.bytes)) {
        if (kv.field === 1) {
          key = fieldString(kv);
        } else if (kv.field === 2) {
          value = fieldString(kv);
        }
      }
      ext.set(key, value);
    } else if (f.field === 14 && f.varint === 1n) {
      external = true;
    }
  }
  const location = ext.get('location');
  const externalData =
    external && location !== undefined
      ? { location, offset: decimal(ext.get('offset') ?? '0'), length: ext.has('length') ? decimal(ext.get('length') ?? '') : null }
      : undefined;
  return {
    storedBytes: bytes.length,
    name,
    dims,
    dataType,
    external,
    externalData,
    floats(): Float32Array | null {
      if (dataType !== onnxFloat || external) {
        return null;
      }
      if (raw !== undefined) {
        if (raw.length % 4 !== 0) {
          return null;
        }
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        const out = new Float32Array(raw.length / 4);
        for (let i = 0; i < out.length; i++) {
          out[i] = view.getFloat32(4 * i, true);
        }
        return out;
      }
      const chunks = floatFields.map(fieldFloats);
      const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
      let pos = 0;
      for (const c of chunks) {
        out.set(c, pos);
        pos += c.length;
      }
      return out;
    },
  };
}

function parseNode(bytes: Uint8Array): OnnxNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes = new Map<string, number>();
  let name = '';
  let opType = '';
  let constantValue: OnnxTensor | undefined;
  for (const f of parseMessage(bytes)) {
    if (f.field === 1) {
      inputs.push(fieldString(f));
    } else if (f.field === 2) {
      outputs.push(fieldString(f));
    } else if (f.field === 3) {
      name = fieldString(f);
    } else if (f.field === 4) {
      opType = fieldString(f);
    } else if (f.field === 5 && f.bytes !== undefined) {
      let attrName = '';
      let value: number | undefined;
      let tensor: OnnxTensor | undefined;
      for (const a of parseMessage(f.bytes)) {
        if (a.field === 1) {
          attrName = fieldString(a);
        } else if (a.field === 2 && a.bytes !== undefined && a.bytes.length === 4) {
          value = new DataView(a.bytes.buffer, a.bytes.byteOffset, 4).getFloat32(0, true);
        } else if (a.field === 3 && a.varint !== undefined) {
          value = toInt64(a.varint);
        } else if (a.field === 5 && a.bytes !== undefined) {
          tensor = parseTensor(a.bytes);
        }
      }
      if (value !== undefined) {
        attributes.set(attrName, value);
      }
      if (attrName === 'value' && tensor !== undefined) {
        constantValue = tensor;
      }
    }
  }
  return { name, opType, inputs, outputs, attributes, constantValue };
}

function parseValueInfo(bytes: Uint8Array): OnnxValueInfo {
  let name = '';
  let elemType: number | null = null;
  let shape: (number | null)[] | null = null;
  for (const f of parseMessage(bytes)) {
    if (f.field === 1) {
      name = fieldString(f);
    } else if (f.field === 2 && f.bytes !== undefined) {
      for (const t of parseMessage(f.bytes)) {
        if (t.field !== 1 || t.bytes === undefined) {
          continue;
        }
        for (const tt of parseMessage(t.bytes)) {
          if (tt.field === 1 && tt.varint !== undefined) {
            elemType = Number(tt.varint);
          } else if (tt.field === 2 && tt.bytes !== undefined) {
            shape = [];
            for (const d of parseMessage(tt.bytes)) {
              if (d.field !== 1 || d.bytes === undefined) {
                continue;
              }
              let dim: number | null = null;
              for (const dv of parseMessage(d.bytes)) {
                if (dv.field === 1 && dv.varint !== undefined) {
                  dim = toInt64(dv.varint);
                }
              }
              shape.push(dim !== null && dim > 0 ? dim : null);
            }
          }
        }
      }
    }
  }
  return { name, elemType, shape };
}

/** The graph field (7) of a ModelProto, or undefined. Throws ProtobufError on malformed bytes. */
function graphField(model: Uint8Array): ProtoField | undefined {
  const graphs = parseMessage(model).filter((f) => f.field === 7 && f.bytes !== undefined);
  return graphs[graphs.length - 1];
}

/**
 * Parses a ModelProto. Throws ProtobufError when the bytes are not protobuf or hold no graph.
 */
export function parseOnnxModel(model: Uint8Array): OnnxGraph {
  const g = graphField(model);
  if (g?.bytes === undefined) {
    throw new ProtobufError('no graph (ModelProto field 7)');
  }
  const nodes: OnnxNode[] = [];
  const allInputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const initializers = new Map<string, OnnxTensor>();
  for (const f of parseMessage(g.bytes)) {
    if (f.bytes === undefined) {
      continue;
    }
    if (f.field === 1) {
      nodes.push(parseNode(f.bytes));
    } else if (f.field === 5) {
      const t = parseTensor(f.bytes);
      initializers.set(t.name, t);
    } else if (f.field === 11) {
      allInputs.push(parseValueInfo(f.bytes));
    } else if (f.field === 12) {
      outputs.push(parseValueInfo(f.bytes));
    }
  }
  if (nodes.length === 0) {
    throw new ProtobufError('graph has no nodes');
  }
  return { nodes, inputs: allInputs.filter((i) => !initializers.has(i.name)), outputs, initializers };
}

/**
 * Returns new ModelProto bytes whose graph has extra float outputs (ValueInfoProto with name and a float
 * tensor type, shape left to inference). The input is not modified; other fields are copied verbatim.
 */
export function addGraphOutputs(model: Uint8Array, names: readonly string[]): Uint8Array {
  const g = graphField(model);
  if (g?.bytes === undefined) {
    throw new ProtobufError('no graph (ModelProto field 7)');
  }
  const extra = names.map((name) => {
    const tensorType = new ProtoWriter().varint(1, onnxFloat).finish();
    const typeProto = new ProtoWriter().bytes(1, tensorType).finish();
    return new ProtoWriter().bytes(12, new ProtoWriter().string(1, name).bytes(2, typeProto).finish()).finish();
  });
  const graph = concatBytes([g.bytes, ...extra]);
  return concatBytes([model.subarray(0, g.start), new ProtoWriter().bytes(7, graph).finish(), model.subarray(g.end)]);
}
