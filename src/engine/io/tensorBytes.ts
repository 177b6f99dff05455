/**
 * Decodes raw tensor bytes (either byte order) into a fresh, aligned typed array. Half floats
 * (IEEE float16 and bfloat16) are widened to float32.
 */
import { dtypeByteSize, type TensorData, type TensorDType } from './tensorArray';

/** IEEE-754 binary16 bits → number. */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) {
    return sign * fraction * 2 ** -24;
  }
  if (exponent === 0x1f) {
    return fraction === 0 ? sign * Infinity : NaN;
  }
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Decodes `count` elements of `dtype` from `bytes` (`littleEndian` false for big-endian data).
 * The result never aliases `bytes`.
 */
export function decodeTensorBytes(bytes: Uint8Array, dtype: TensorDType, count: number, littleEndian: boolean): TensorData {
  const size = dtypeByteSize(dtype);
  const copy = new Uint8Array(count * size);
  copy.set(bytes.subarray(0, count * size));
  if (!littleEndian && size > 1) {
    for (let i = 0; i < copy.length; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = copy[a];
        copy[a] = copy[b];
        copy[b] = t;
      }
    }
  }
  const buffer = copy.buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'uint8':
    case 'bool':
      return copy;
    case 'uint16':
      return new Uint16Array(buffer);
    case 'uint32':
      return new Uint32Array(buffer);
    case 'uint64':
      return new BigUint64Array(buffer);
    case 'float16': {
      const bits = new Uint16Array(buffer);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        out[i] = float16ToNumber(bits[i]);
      }
      return out;
    }
    case 'bfloat16': {
      // bfloat16 is the upper half of a float32.
      const bits = new Uint16Array(buffer);
      const wide = new Uint32Array(count);
      for (let i = 0; i < count; i++) {
        wide[i] = bits[i] << 16;
      }
      return new Float32Array(wide.buffer);
    }
  }
}
