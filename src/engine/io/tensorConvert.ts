/** Conversions from any {@link TensorArray} to the float32 / number views the engine computes with. */
import type { TensorArray } from './tensorArray';

/** Copies `data` into a new array of `Ctor`, converting 64-bit integers through Number. */
function convertValues<T extends Float32Array | Float64Array>(data: TensorArray['data'], Ctor: new (n: number) => T): T {
  const out = new Ctor(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) {
      out[i] = Number(data[i]);
    }
  } else {
    out.set(data);
  }
  return out;
}

/** Values as a Float32Array (a copy unless the data already is float32). 64-bit integers go through Number. */
export function toFloat32Array(tensor: TensorArray): Float32Array {
  return tensor.data instanceof Float32Array ? tensor.data : convertValues(tensor.data, Float32Array);
}

/** Values as plain numbers (Float64Array); 64-bit integers beyond 2^53 lose precision. */
export function toFloat64Array(tensor: TensorArray): Float64Array {
  return tensor.data instanceof Float64Array ? tensor.data : convertValues(tensor.data, Float64Array);
}

/** True for integer and bool dtypes. */
export function isIntegerTensor(tensor: TensorArray): boolean {
  return !tensor.dtype.startsWith('float') && tensor.dtype !== 'bfloat16';
}
