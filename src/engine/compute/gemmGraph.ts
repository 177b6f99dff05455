/**
 * The tiny ONNX models the product service (productService.ts) runs: one Gemm node,
 *   Y = op(A) · op(B),   op(X) = Xᵀ when the node's transX attribute is 1, else X,
 * with every dimension symbolic, so that one onnxruntime session serves every m, k and n of its family.
 * Families: `abt` (transB = 1: A [m, k], B [n, k], Y [m, n]) and `atb` (transA = 1: A [k, m], B [k, n],
 * Y [m, n]). No bias input (C is optional from opset 11), alpha = beta = 1 (the defaults).
 * Field numbers (onnx/onnx.proto3): ModelProto ir_version = 1, graph = 7, opset_import = 8;
 * OperatorSetIdProto domain = 1, version = 2; GraphProto node = 1, name = 2, input = 11, output = 12;
 * NodeProto input = 1, output = 2, name = 3, op_type = 4, attribute = 5; AttributeProto name = 1, i = 3,
 * type = 20 (INT = 2); ValueInfoProto name = 1, type = 2; TypeProto tensor_type = 1;
 * TypeProto.Tensor elem_type = 1, shape = 2; TensorShapeProto dim = 1; Dimension dim_value = 1, dim_param = 2.
 */
import { onnxFloat } from '../model/onnxModel';
import { ProtoWriter } from '../model/protobufWire';

/** Which product a Gemm model computes: A·Bᵀ or Aᵀ·B. */
export type GemmFamily = 'abt' | 'atb';

/** ONNX IR version 8 (onnxruntime ≥ 1.10 reads it) and the default-domain opset the Gemm node uses. */
const irVersion = 8;
const opsetVersion = 13;
const attributeInt = 2;

/** A float32 ValueInfoProto whose dimensions are the given symbolic names. */
function floatValueInfo(name: string, dims: readonly string[]): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of dims) shape.bytes(1, new ProtoWriter().string(2, d).finish());
  const tensorType = new ProtoWriter().varint(1, onnxFloat).bytes(2, shape.finish()).finish();
  return new ProtoWriter().string(1, name).bytes(2, new ProtoWriter().bytes(1, tensorType).finish()).finish();
}

function intAttribute(name: string, value: number): Uint8Array {
  return new ProtoWriter().string(1, name).varint(3, value).varint(20, attributeInt).finish();
}

/**
 * ModelProto bytes of Y = A·Bᵀ (`abt`) or Y = Aᵀ·B (`atb`) with inputs named `A`, `B` and output `Y`.
 * Shapes: abt A [m, k], B [n, k]; atb A [k, m], B [k, n]; Y [m, n]; all symbolic.
 */
export function gemmModel(family: GemmFamily): Uint8Array {
  const transA = family === 'atb' ? 1 : 0;
  const transB = family === 'abt' ? 1 : 0;
  const node = new ProtoWriter()
    .string(1, 'A')
    .string(1, 'B')
    .string(2, 'Y')
    .string(3, `longtail_product_${family}`)
    .string(4, 'Gemm')
    .bytes(5, intAttribute('transA', transA))
    .bytes(5, intAttribute('transB', transB))
    .finish();
  const graph = new ProtoWriter()
    .bytes(1, node)
    .string(2, `longtail_product_${family}`)
    .bytes(11, floatValueInfo('A', transA ? ['k', 'm'] : ['m', 'k']))
    .bytes(11, floatValueInfo('B', transB ? ['n', 'k'] : ['k', 'n']))
    .bytes(12, floatValueInfo('Y', ['m', 'n']))
    .finish();
  const opset = new ProtoWriter().string(1, '').varint(2, opsetVersion).finish();
  return new ProtoWriter().varint(1, irVersion).bytes(8, opset).bytes(7, graph).finish();
}
