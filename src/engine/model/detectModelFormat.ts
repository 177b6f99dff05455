/**
 * Decides what kind of checkpoint a path holds from its content, not only its name: a tfjs `model.json`
 * (LayersModel: `format: layers-model` or a Keras topology; GraphModel: `format: graph-model` or a GraphDef
 * with `node`), a TF SavedModel directory (`saved_model.pb`), or an ONNX file (parsed as a ModelProto).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { closeFile, fsError, openForRead, readExactly, readUpTo, type OpenedFile } from '../io/fileAccess';
import type { ModelFormat } from './classifierModel';
import { parseOnnxModel } from './onnxModel';
import { readModelJsonFile } from './tfjsIoHandler';
import { escapeControls } from '../io/untrustedText';

/** The result of {@link detectModelFormat}. */
export interface DetectedModel {
  readonly format: ModelFormat;
  /** The file to load: model.json, the .onnx file, or the SavedModel directory. */
  readonly modelPath: string;
  /** The parsed model.json for tfjs formats (so it is read once). */
  readonly modelJson?: Readonly<Record<string, unknown>>;
  /** The bytes of an ONNX file. */
  readonly onnxBytes?: Uint8Array;
}

/** Conversion hints shown when a format cannot be loaded directly. */
export const conversionHints = {
  savedModel:
    'convert it with `tensorflowjs_converter --input_format=tf_saved_model --output_format=tfjs_graph_model <saved_model_dir> <out_dir>` ' +
    'and open <out_dir>/model.json, or install @tensorflow/tfjs-node (libtensorflow) to load it directly',
  keras:
    'convert it with `tensorflowjs_converter --input_format=keras model.h5 <out_dir>` and open <out_dir>/model.json',
  torch: 'export it to ONNX with `torch.onnx.export(model, example_input, "model.onnx")` and open the .onnx file',
} as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Classifies a parsed model.json; null when it is not a tfjs model. */
export function classifyModelJson(json: unknown): 'layers-model' | 'graph-model' | null {
  if (!isRecord(json) || !isRecord(json.modelTopology)) {
    return null;
  }
  const topo = json.modelTopology;
  if (json.format === 'graph-model' || Array.isArray(topo.node)) {
    return 'graph-model';
  }
  if (json.format === 'layers-model' || isRecord(topo.model_config) || typeof topo.class_name === 'string') {
    return 'layers-model';
  }
  return null;
}

async function detectFile(file: string): Promise<DetectedModel> {
  const opened = await openForRead(file);
  let head: Buffer;
  try {
    head = Buffer.concat([await readUpTo(opened, 0, 16), Buffer.alloc(16)]).subarray(0, 16);
  } catch (error) {
    await closeFile(opened);
    throw error;
  }
  try {
    return await classifyFile(file, opened, head);
  } finally {
    await closeFile(opened);
  }
}

async function classifyFile(file: string, opened: OpenedFile, head: Buffer): Promise<DetectedModel> {
  const base = path.basename(file).toLowerCase();
  const firstChar = head.toString('latin1').trimStart()[0];
  if (base.endsWith('.json') || firstChar === '{') {
    const json = await readModelJsonFile(file);
    const kind = classifyModelJson(json);
    if (kind === null) {
      throw new LongtailError(
        ErrorCode.UnknownFormat,
        `${file} is JSON but not a TensorFlow.js model (needs modelTopology and weightsManifest)`,
        { file },
      );
    }
    return { format: kind, modelPath: file, modelJson: json };
  }
  if (base === 'saved_model.pb' || base === 'saved_model.pbtxt') {
    return { format: 'saved-model', modelPath: path.dirname(file) };
  }
  if (head.subarray(0, 4).equals(Buffer.from([0x89, 0x48, 0x44, 0x46]))) {
    throw new LongtailError(ErrorCode.UnknownFormat, `${file} is a Keras HDF5 file; ${conversionHints.keras}`, { file });
  }
  if (head[0] === 0x50 && head[1] === 0x4b && base.endsWith('.keras')) {
    throw new LongtailError(ErrorCode.UnknownFormat, `${file} is a Keras 3 archive; ${conversionHints.keras}`, { file });
  }
  if (/\.(pt|pth|ckpt|bin)$/.test(base) && ((head[0] === 0x50 && head[1] === 0x4b) || head[0] === 0x80)) {
    throw new LongtailError(ErrorCode.UnknownFormat, `${file} looks like a PyTorch checkpoint; ${conversionHints.torch}`, { file });
  }
  // ONNX has no magic number: try to parse it as a ModelProto (protobuf messages are limited to 2 GiB;
  // larger ONNX models keep their weights in external data files).
  const size = opened.size;
  if (size === 0) {
    throw new LongtailError(ErrorCode.UnknownFormat, `${file} is empty: not a model file`, { file });
  }
  if (size >= 2 ** 31) {
    throw new LongtailError(
      ErrorCode.UnknownFormat,
      `${file} is ${(size / 2 ** 30).toFixed(1)} GiB: not a tfjs model.json, and too large for an ONNX file (save ONNX weights as external data)`,
      { file },
    );
  }
  const bytes = new Uint8Array(await readExactly(opened, 0, size, 'ONNX model'));
  try {
    parseOnnxModel(bytes);
  } catch (e) {
    if (base.endsWith('.onnx')) {
      throw new LongtailError(ErrorCode.InvalidFile, `${file} is not a valid ONNX model: ${escapeControls((e as Error).message)}`, { file, cause: e });
    }
    throw new LongtailError(
      ErrorCode.UnknownFormat,
      `${file} is not a recognised checkpoint (tfjs model.json, ONNX, or a TF SavedModel directory)`,
      { file, cause: e },
    );
  }
  return { format: 'onnx', modelPath: file, onnxBytes: bytes };
}

/**
 * Detects the checkpoint format of a file or directory. A directory is a SavedModel when it holds
 * `saved_model.pb`, a tfjs model when it holds `model.json`, otherwise the single `.onnx` file inside.
 * Throws FILE_NOT_FOUND, UNKNOWN_FORMAT (with a conversion hint) or INVALID_FILE.
 */
export async function detectModelFormat(input: string): Promise<DetectedModel> {
  const abs = path.resolve(input);
  let stat;
  try {
    stat = await fs.stat(abs);
  } catch (e) {
    const error = fsError(e, input);
    if (error.code === ErrorCode.FileNotFound) {
      throw new LongtailError(ErrorCode.FileNotFound, `model not found: ${input}`, { file: input, cause: e });
    }
    throw error;
  }
  if (stat.isFile()) {
    return detectFile(abs);
  }
  if (!stat.isDirectory()) {
    throw new LongtailError(ErrorCode.NotRegularFile, `${input}: is not a regular file or a folder (a device, FIFO or socket); expected a model file`, { file: input });
  }
  let entries: string[];
  try {
    entries = await fs.readdir(abs);
  } catch (e) {
    throw fsError(e, input);
  }
  if (entries.includes('saved_model.pb') || entries.includes('saved_model.pbtxt')) {
    return { format: 'saved-model', modelPath: abs };
  }
  if (entries.includes('model.json')) {
    return detectFile(path.join(abs, 'model.json'));
  }
  const onnx = entries.filter((e) => e.toLowerCase().endsWith('.onnx'));
  if (onnx.length === 1) {
    return detectFile(path.join(abs, onnx[0]));
  }
  throw new LongtailError(
    ErrorCode.UnknownFormat,
    onnx.length > 1
      ? `${input} holds several .onnx files; pass one of them`
      : `${input} holds no model.json, saved_model.pb or .onnx file`,
    { file: input },
  );
}
