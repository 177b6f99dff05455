/**
 * A fine-tuned ONNX model: the input graph with the trained classifier, and the adapter of scope `adapter`,
 * appended, written as a new .onnx (the input is only read). With E the input of the original classifier
 * (the embedding findOnnxHead finds) the appended nodes compute
 *   z' = E + relu(E·Aᵀ)·Uᵀ   (adapter scope; MatMul, Relu, MatMul, Add)       z' = E otherwise
 *   logits = z'·K + b        (MatMul, Add; K [D, C] and b [C] the trained classifier)
 * with initializers `longtail_adapter_down` Aᵀ [D, H], `longtail_adapter_up` Uᵀ [H, D], `longtail_classifier_kernel`
 * K and `longtail_classifier_bias` b, and `longtail_logits` becomes the first graph output (the old outputs stay,
 * after it), so onnxruntime users read the new logits first and `longtail analyse` finds the new classifier and
 * the embedding z' (`longtail_embedding`). Field numbers as in model/onnxModel.ts (onnx/onnx.proto3):
 * GraphProto node = 1, initializer = 5, output = 12; NodeProto input = 1, output = 2, name = 3, op_type = 4;
 * TensorProto dims = 1, data_type = 2, name = 8, raw_data = 9.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { onnxFloat } from '../model/onnxModel';
import { concatBytes, parseMessage, ProtoWriter } from '../model/protobufWire';
import type { HeadAdapter } from '../pipeline/headAdapter';

function tensorProto(name: string, dims: readonly number[], values: Float32Array): Uint8Array {
  const w = new ProtoWriter();
  for (const d of dims) w.varint(1, d);
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return w.varint(2, onnxFloat).string(8, name).bytes(9, raw).finish();
}

function nodeProto(opType: string, inputs: readonly string[], output: string): Uint8Array {
  const w = new ProtoWriter();
  for (const i of inputs) w.string(1, i);
  return w.string(2, output).string(3, `longtail_${output.replace(/^longtail_/, '')}_${opType.toLowerCase()}`).string(4, opType).finish();
}

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/**
 * New ModelProto bytes (see the file comment). Shapes: kernel `[D, C]` row-major, bias `[C]` or null, adapter
 * A `[H, D]` and U `[D, H]`. `embeddingName` is the tensor the original classifier reads.
 */
export function onnxWithTrainedHead(
  model: Uint8Array,
  embeddingName: string,
  kernel: Float32Array,
  bias: Float32Array | null,
  dim: number,
  adapter: HeadAdapter | null,
): Uint8Array {
  const fields = parseMessage(model);
  const graphs = fields.filter((f) => f.field === 7 && f.bytes !== undefined);
  const g = graphs[graphs.length - 1];
  if (!g?.bytes) throw new LongtailError(ErrorCode.InvalidFile, 'the ONNX model has no graph (ModelProto field 7)');
  const numClasses = kernel.length / dim;
  const graphFields = parseMessage(g.bytes);
  const extra: Uint8Array[] = [];
  const field = (n: number, payload: Uint8Array): Uint8Array => new ProtoWriter().bytes(n, payload).finish();
  let z = embeddingName;
  if (adapter) {
    const h = adapter.hidden;
    extra.push(field(5, tensorProto('longtail_adapter_down', [dim, h], transpose(adapter.down, h, dim))));
    extra.push(field(5, tensorProto('longtail_adapter_up', [h, dim], transpose(adapter.up, dim, h))));
    extra.push(field(1, nodeProto('MatMul', [embeddingName, 'longtail_adapter_down'], 'longtail_adapter_pre')));
    extra.push(field(1, nodeProto('Relu', ['longtail_adapter_pre'], 'longtail_adapter_hidden')));
    extra.push(field(1, nodeProto('MatMul', ['longtail_adapter_hidden', 'longtail_adapter_up'], 'longtail_adapter_delta')));
    extra.push(field(1, nodeProto('Add', [embeddingName, 'longtail_adapter_delta'], 'longtail_embedding')));
    z = 'longtail_embedding';
  }
  extra.push(field(5, tensorProto('longtail_classifier_kernel', [dim, numClasses], kernel)));
  extra.push(field(1, nodeProto('MatMul', [z, 'longtail_classifier_kernel'], bias ? 'longtail_scores' : 'longtail_logits')));
  if (bias) {
    extra.push(field(5, tensorProto('longtail_classifier_bias', [numClasses], bias)));
    extra.push(field(1, nodeProto('Add', ['longtail_scores', 'longtail_classifier_bias'], 'longtail_logits')));
  }
  const tensorType = new ProtoWriter().varint(1, onnxFloat).finish();
  const newOutput = field(12, new ProtoWriter().string(1, 'longtail_logits').bytes(2, new ProtoWriter().bytes(1, tensorType).finish()).finish());
  // Graph fields in order, the new output inserted before the first old output, the new nodes and initializers
  // after the old ones (ONNX requires nodes in topological order; they only read earlier tensors).
  const parts: Uint8Array[] = [];
  let outputPlaced = false;
  for (const f of graphFields) {
    if (f.field === 12 && !outputPlaced) {
      parts.push(...extra, newOutput);
      outputPlaced = true;
    }
    parts.push(g.bytes.subarray(f.start, f.end));
  }
  if (!outputPlaced) parts.push(...extra, newOutput);
  const graph = concatBytes(parts);
  return concatBytes([model.subarray(0, g.start), new ProtoWriter().bytes(7, graph).finish(), model.subarray(g.end)]);
}
