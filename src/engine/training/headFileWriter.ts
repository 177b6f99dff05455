/**
 * Writes a fine-tuned classifier head back in its input's container (.npz, .safetensors, or a torch.save
 * `.pth` state dict — flat, with the dotted keys it was read with) with the same keys: every array of the input is copied, the head's weight and bias replaced (weight in the
 * stored layout: PyTorch `[C, D]` or Keras kernel `[D, C]`; in the stored float dtype, float16/bfloat16
 * written as float32). The input file is only read.
 */
import { promises as fs } from 'node:fs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { HeadCheckpoint } from '../io/headCheckpoint';
import type { TensorArray, TensorData } from '../io/tensorArray';
import { openTensorFile } from '../io/tensorFile';
import { encodeNpz, encodeSafetensors } from '../io/tensorFileWriter';
import { encodeTorchCheckpoint } from '../io/torchCheckpointWriter';

function floatData(values: Float32Array, dtype: TensorArray['dtype']): TensorData {
  return dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
}

/**
 * Writes `target` with the arrays of `head.path`, replacing the weight by `weight` (row-major `[C, D]`) and the
 * bias by `bias` (`[C]`) when the head has one; `extra` arrays (an adapter) replace same-named ones or are appended.
 */
export async function writeHeadFile(head: HeadCheckpoint, weight: Float32Array, bias: Float32Array | null, target: string, extra: readonly TensorArray[] = []): Promise<void> {
  const file = await openTensorFile(head.path);
  try {
    if (file.format === 'npy') {
      throw new LongtailError(ErrorCode.InvalidOption, `${head.path}: fine-tuning writes .npz, .safetensors or .pth heads; save the weight (and bias) in an .npz first`, { file: head.path });
    }
    const arrays: TensorArray[] = [];
    for (const entry of file.entries) {
      const original = await entry.read();
      if (entry.name === head.weightKey) {
        let stored = weight;
        if (head.layout === 'keras') {
          stored = new Float32Array(weight.length);
          for (let y = 0; y < head.numClasses; y++) {
            for (let k = 0; k < head.dim; k++) stored[k * head.numClasses + y] = weight[y * head.dim + k];
          }
        }
        arrays.push({ name: entry.name, dtype: original.dtype, shape: original.shape, data: floatData(stored, original.dtype) });
      } else if (extra.some((e) => e.name === entry.name)) {
        continue; // replaced by `extra` (written at the end)
      } else if (entry.name === head.biasKey && bias) {
        arrays.push({ name: entry.name, dtype: original.dtype, shape: original.shape, data: floatData(bias, original.dtype) });
      } else {
        arrays.push(original);
      }
    }
    arrays.push(...extra);
    const bytes = file.format === 'npz' ? encodeNpz(arrays) : file.format === 'pth' ? encodeTorchCheckpoint(arrays) : encodeSafetensors(arrays);
    await fs.writeFile(target, bytes, { flag: 'wx' });
  } finally {
    await file.close();
  }
}
