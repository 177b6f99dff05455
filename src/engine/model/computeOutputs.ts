/**
 * The batched forward pass: streams a dataset through a model and collects the embeddings `[N, D]` and the
 * pre-softmax logits `[N, C]`.
 *
 * Memory bound: examples are never all in memory — one batch of inputs (batchSize × Π exampleShape floats,
 * plus its NCHW copy when the layout is adapted) and one batch of outputs at a time. The outputs themselves
 * are N × (D + C) float32 values: {@link computeOutputs} keeps them in two preallocated Float32Arrays
 * (refused above `maxInMemoryBytes`, default 2 GiB), {@link computeOutputsToFiles} appends them to two raw
 * little-endian float32 files, so its memory use does not grow with N.
 */
import type { FileHandle } from 'node:fs/promises';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { makeSnapshot, type CancellationSignal, type ProgressSink } from '../../protocol/progress';
import { yieldAndCheck } from '../cancellation';
import { boundBatchForGpu, checkGpuAfterBatch } from '../compute/gpuBatchLimit';
import { tf } from '../compute/tf';
import type { DatasetSource } from '../data/datasetSource';
import type { ClassifierModel, ForwardResult } from './classifierModel';
import { applyInputPlan, planInput } from './inputLayout';

/** Options of the forward pass. */
export interface ComputeOutputsOptions {
  /** Examples per forward call (default 256). */
  readonly batchSize?: number;
  /** Checked between batches (CANCELLED). */
  readonly signal?: CancellationSignal;
  /** Token put in progress snapshots (default `forward`). */
  readonly progressToken?: string;
  /** Receives a complete snapshot after every batch (`done`/`total` in examples). */
  readonly onProgress?: ProgressSink;
  /** {@link computeOutputs} only: largest N·(D+C)·4 accepted in memory (default 2 GiB). */
  readonly maxInMemoryBytes?: number;
}

/** Outputs held in memory. */
export interface ModelOutputs {
  readonly size: number;
  readonly embeddingDim: number;
  readonly numClasses: number;
  /** Row-major `[size, embeddingDim]`. */
  readonly embeddings: Float32Array;
  /** Row-major `[size, numClasses]`, pre-softmax. */
  readonly logits: Float32Array;
}

/** Outputs written to raw little-endian float32 files. */
export interface ModelOutputFiles {
  readonly size: number;
  readonly embeddingDim: number;
  readonly numClasses: number;
  /** `[size, embeddingDim]` float32, no header. */
  readonly embeddingsFile: string;
  /** `[size, numClasses]` float32, no header. */
  readonly logitsFile: string;
}

/** File names used by {@link computeOutputsToFiles}. */
export const outputFileNames = { embeddings: 'embeddings.f32', logits: 'logits.f32' } as const;

type BatchSink = (start: number, count: number, result: ForwardResult, embeddingDim: number, numClasses: number) => Promise<void>;

const defaultBatchSize = 256;

function padBatch(x: Float32Array, used: number, total: number): Float32Array {
  const out = new Float32Array(total);
  out.set(x.subarray(0, used));
  return out;
}

function dropPadding(r: ForwardResult, count: number, rows: number): ForwardResult {
  const d = r.embeddings.length / rows;
  const c = r.logits.length / rows;
  return { embeddings: r.embeddings.subarray(0, count * d), logits: r.logits.subarray(0, count * c) };
}

async function runForward(model: ClassifierModel, dataset: DatasetSource, options: ComputeOutputsOptions, sink: BatchSink): Promise<{ embeddingDim: number; numClasses: number }> {
  const n = dataset.size;
  if (n === 0) {
    throw new LongtailError(ErrorCode.EmptyDataset, `${dataset.path}: the dataset has no examples`, { file: dataset.path });
  }
  const requested = options.batchSize ?? defaultBatchSize;
  if (!(Number.isInteger(requested) && requested >= 1)) {
    throw new LongtailError(ErrorCode.InvalidOption, `batchSize must be a positive integer, got ${requested}`);
  }
  // A model exported with a fixed batch dimension gets exactly that many examples per call; the last
  // batch is zero-padded and the padding rows are dropped from the outputs.
  const fixed = model.fixedBatchSize;
  const per = dataset.exampleShape.reduce((a, b) => a * b, 1);
  // On webgpu, within the adapter's buffer limits (compute/gpuBatchLimit.ts).
  const batchSize = fixed ?? boundBatchForGpu(tf, requested, per);
  const plan = planInput(model.inputShape, dataset.exampleShape, model.path);
  const token = options.progressToken ?? 'forward';
  const started = Date.now();
  let embeddingDim = 0;
  let numClasses = 0;
  for (let start = 0; start < n; start += batchSize) {
    await yieldAndCheck(options.signal);
    const count = Math.min(batchSize, n - start);
    const batch = await dataset.readBatch(start, count);
    if (batch.shape[0] !== count || batch.x.length !== count * per) {
      throw new LongtailError(
        ErrorCode.InvalidFile,
        `${dataset.path}: reading examples ${start}..${start + count} gave shape [${batch.shape.join(', ')}] (${batch.x.length} values), expected ${count} × [${dataset.exampleShape.join(', ')}]`,
        { file: dataset.path },
      );
    }
    const padded = fixed !== null && count < fixed ? padBatch(batch.x, count * per, fixed * per) : batch.x;
    const input = applyInputPlan(plan, padded, fixed ?? count);
    let full: ForwardResult;
    try {
      full = await model.forward(input.data, input.shape);
    } catch (error) {
      checkGpuAfterBatch(tf, batchSize, error); // a GPU out-of-memory becomes GPU_OUT_OF_MEMORY
      throw error;
    }
    checkGpuAfterBatch(tf, batchSize);
    const result = padded === batch.x ? full : dropPadding(full, count, fixed ?? count);
    if (start === 0) {
      embeddingDim = result.embeddings.length / count;
      numClasses = result.logits.length / count;
      if (!Number.isInteger(embeddingDim) || !Number.isInteger(numClasses) || embeddingDim < 1 || numClasses < 1) {
        throw new LongtailError(ErrorCode.ShapeMismatch, `${model.path}: the model returned ${result.embeddings.length} embedding and ${result.logits.length} logit values for ${count} examples`, {
          file: model.path,
        });
      }
    } else if (result.embeddings.length !== count * embeddingDim || result.logits.length !== count * numClasses) {
      throw new LongtailError(ErrorCode.ShapeMismatch, `${model.path}: output sizes changed between batches`, { file: model.path });
    }
    await sink(start, count, result, embeddingDim, numClasses);
    if (options.onProgress) {
      const done = start + count;
      options.onProgress(makeSnapshot(token, 'forward pass', done, n, started, Date.now(), `${done}/${n} examples`));
    }
  }
  return { embeddingDim, numClasses };
}

/**
 * Runs the whole dataset through `model` and returns embeddings and logits in memory (two preallocated
 * Float32Arrays of N·D and N·C values). Errors: EMPTY_DATASET, SHAPE_MISMATCH, INVALID_OPTION (batch size,
 * outputs larger than `maxInMemoryBytes`: use {@link computeOutputsToFiles}), CANCELLED.
 */
export async function computeOutputs(model: ClassifierModel, dataset: DatasetSource, options: ComputeOutputsOptions = {}): Promise<ModelOutputs> {
  const n = dataset.size;
  const maxBytes = options.maxInMemoryBytes ?? 2 ** 31;
  let embeddings = new Float32Array(0);
  let logits = new Float32Array(0);
  const dims = await runForward(model, dataset, options, async (start, _count, result, d, c) => {
    if (start === 0) {
      const bytes = n * (d + c) * 4;
      if (bytes > maxBytes) {
        throw new LongtailError(
          ErrorCode.InvalidOption,
          `embeddings and logits for ${n} examples need ${(bytes / 2 ** 30).toFixed(2)} GiB, over the in-memory limit of ${(maxBytes / 2 ** 30).toFixed(2)} GiB; write them to files instead`,
        );
      }
      embeddings = new Float32Array(n * d);
      logits = new Float32Array(n * c);
    }
    embeddings.set(result.embeddings, start * d);
    logits.set(result.logits, start * c);
  });
  return { size: n, embeddingDim: dims.embeddingDim, numClasses: dims.numClasses, embeddings, logits };
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Runs the whole dataset through `model`, appending embeddings and logits to
 * `<dir>/embeddings.f32` and `<dir>/logits.f32` (created; `dir` must exist). Memory use is one batch.
 * Same errors as {@link computeOutputs}; on error the partial files are left for the caller to remove.
 */
export async function computeOutputsToFiles(model: ClassifierModel, dataset: DatasetSource, dir: string, options: ComputeOutputsOptions = {}): Promise<ModelOutputFiles> {
  const embeddingsFile = path.join(dir, outputFileNames.embeddings);
  const logitsFile = path.join(dir, outputFileNames.logits);
  let eh: FileHandle | undefined;
  let lh: FileHandle | undefined;
  try {
    eh = await fs.open(embeddingsFile, 'wx');
    lh = await fs.open(logitsFile, 'wx');
    const e = eh;
    const l = lh;
    const dims = await runForward(model, dataset, options, async (_start, _count, result) => {
      await e.write(bytesOf(result.embeddings));
      await l.write(bytesOf(result.logits));
    });
    return { size: dataset.size, embeddingDim: dims.embeddingDim, numClasses: dims.numClasses, embeddingsFile, logitsFile };
  } finally {
    await eh?.close();
    await lh?.close();
  }
}
