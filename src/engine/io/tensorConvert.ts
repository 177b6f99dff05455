/** Conversions from any {@link TensorArray} to the float32 / number views the engine computes with. */
import type { TensorArray } from './tensorArray';

/** Values as a Float32Array (a copy unless the data already is float32). 64-bit integers go through Number. */
export function toFloat32Array(tensor: TensorArray): Float32Array {
  const data = tensor.data;
  if (data instanceof Float32Array) {
    return data;
  }
  const out = new Float32Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) {
      out[i] = Number(data[i]);
    }
  } else {
    out.set(data);
  }
  return out;
}

/** Values as plain numbers (Float64Array); 64-bit integers beyond 2^53 lose precision. */
export function toFloat64Array(tensor: TensorArray): Float64Array {
  const data = tensor.data;
  if (data instanceof Float64Array) {
    return data;
  }
  const out = new Float64Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) {
      out[i] = Number(data[i]);
    }
  } else {
    out.set(data);
  }
  return out;
}

/** True for integer and bool dtypes. */
export function isIntegerTensor(tensor: TensorArray): boolean {
  return !tensor.dtype.startsWith('float') && tensor.dtype !== 'bfloat16';
}
