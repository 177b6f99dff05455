/**
 * File-system IOHandlers for TF.js models. Plain `@tensorflow/tfjs` in Node cannot load `file://` URLs
 * (Node's fetch has no file scheme, and the fileSystem handler exists only in tfjs-node), so the engine reads
 * `model.json` and its weight shards itself and hands TF.js the artifacts. Shards are validated against the
 * manifest: each group's total byte length must equal Σ bytes(dtype)·Π shape over its weights, checked on
 * the shards' sizes before any shard is read. Shards are opened through the file-access layer: regular
 * files whose real path stays in the model's folder (a symlink to elsewhere is refused; a name such as
 * `..weights.bin` is fine).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { tf } from '../compute/tf';
import { closeFile, openForRead, readExactly, readTextFile, type Containment, type OpenedFile } from '../io/fileAccess';
import { escapeControls } from '../io/untrustedText';

type ModelArtifacts = tf.io.ModelArtifacts;
type WeightsManifestEntry = tf.io.WeightsManifestEntry;

const dtypeBytes: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2, int8: 1, int16: 2 };

function invalid(file: string, message: string, cause?: unknown): LongtailError {
  return new LongtailError(ErrorCode.InvalidFile, message, { file, cause });
}

/** Bytes one manifest entry occupies in its shard, or null when unknowable (string tensors). */
export function weightEntryBytes(entry: WeightsManifestEntry): number | null {
  const size = entry.shape.reduce((a, b) => a * b, 1);
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const bytes = dtypeBytes[dtype];
  return bytes === undefined ? null : size * bytes;
}

function isWeightsManifest(v: unknown): v is tf.io.WeightsManifestConfig {
  return (
    Array.isArray(v) &&
    v.every(
      (g) =>
        typeof g === 'object' &&
        g !== null &&
        Array.isArray((g as { paths?: unknown }).paths) &&
        (g as { paths: unknown[] }).paths.every((p) => typeof p === 'string') &&
        Array.isArray((g as { weights?: unknown }).weights) &&
        (g as { weights: unknown[] }).weights.every(
          (w) =>
            typeof w === 'object' &&
            w !== null &&
            typeof (w as { name?: unknown }).name === 'string' &&
            Array.isArray((w as { shape?: unknown }).shape) &&
            (w as { shape: unknown[] }).shape.every((d) => typeof d === 'number') &&
            typeof (w as { dtype?: unknown }).dtype === 'string',
        ),
    )
  );
}

/** Every layer config (`{class_name, config}`) in a Keras topology, nested models included. */
function layerConfigs(node: unknown, out: { className: string; config: Record<string, unknown> }[] = [], depth = 0): typeof out {
  if (depth > 64 || typeof node !== 'object' || node === null) {
    return out;
  }
  if (Array.isArray(node)) {
    node.forEach((n) => layerConfigs(n, out, depth + 1));
    return out;
  }
  const record = node as Record<string, unknown>;
  if (typeof record.class_name === 'string' && typeof record.config === 'object' && record.config !== null && !Array.isArray(record.config)) {
    out.push({ className: record.class_name, config: record.config as Record<string, unknown> });
  }
  for (const value of Object.values(record)) {
    layerConfigs(value, out, depth + 1);
  }
  return out;
}

/** Input-shape fields of layer configs (Keras Python and TF.js spellings). */
const inputShapeFields = ['batch_input_shape', 'batchInputShape', 'input_shape', 'inputShape'] as const;
/** Largest input dimension accepted (2^24: no image side or feature width comes near it). */
const maxInputDim = 2 ** 24;

/** Size fields of layer configs that set the size of a weight TF.js allocates when it builds the layer. */
const sizeFields = ['units', 'filters', 'input_dim', 'output_dim'] as const;

/**
 * Compares the topology with the weights manifest before TF.js builds the model (building allocates every
 * weight): every manifest shape must be non-negative integers, and a layer's `units`/`filters`/`input_dim`/
 * `output_dim` must match its kernel's dimension in the manifest (found by name), or at least not exceed
 * the manifest's total element count; input shapes must be positive integers up to 2^24. Throws INVALID_FILE
 * naming the layer. (A 1e8-unit Dense layer over a
 * small manifest used to allocate 3.6 GB before anything compared them.)
 */
export function checkTopologyAgainstManifest(topology: unknown, manifest: tf.io.WeightsManifestConfig, file: string): void {
  let totalElements = 0;
  const shapes = new Map<string, readonly number[]>();
  for (const w of manifest.flatMap((g) => g.weights)) {
    if (!w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw invalid(file, `${file}: weight "${escapeControls(w.name)}" has an invalid shape [${w.shape.join(', ')}]`);
    }
    totalElements += w.shape.reduce((a, b) => a * b, 1);
    shapes.set(w.name, w.shape);
  }
  for (const { className, config } of layerConfigs(topology)) {
    const name = typeof config.name === 'string' ? config.name : className;
    for (const field of inputShapeFields) {
      const shape = config[field];
      if (shape === undefined || shape === null) {
        continue;
      }
      // TF.js sizes the first weights from the input shape (Dense kernel = input × units) before any
      // comparison with the manifest: a dimension of 1e9 would allocate gigabytes.
      if (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isSafeInteger(d) && (d as number) > 0 && (d as number) <= maxInputDim))) {
        throw invalid(file, `${file}: layer "${escapeControls(name)}" has ${field} ${escapeControls(JSON.stringify(shape).slice(0, 80))}; dimensions must be positive integers up to ${maxInputDim}`);
      }
    }
    for (const field of sizeFields) {
      const value = config[field];
      if (value === undefined || value === null) {
        continue;
      }
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
        throw invalid(file, `${file}: layer "${escapeControls(name)}" has ${field} = ${JSON.stringify(value)}; expected a positive integer`);
      }
      const kernel = [...shapes].find(([n]) => n === `${name}/kernel` || n.endsWith(`/${name}/kernel`) || n === `${name}/embeddings` || n.endsWith(`/${name}/embeddings`));
      const dims = kernel?.[1];
      // Lenient on layout (Dense [in, units], Conv2DTranspose [h, w, filters, in], LSTM [in, 4·units]): some
      // dimension must be a multiple of the declared size.
      const matches = dims === undefined ? value <= totalElements : dims.some((d) => d >= value && d % value === 0);
      if (!matches) {
        throw invalid(
          file,
          `${file}: layer "${escapeControls(name)}" declares ${field} = ${value} but the weights manifest ${dims ? `has ${escapeControls(kernel?.[0] ?? '')} of shape [${dims.join(', ')}]` : `holds only ${totalElements} values`}`,
        );
      }
    }
  }
}

/** Resolves a shard path from the manifest; rejects URLs and paths that leave the model's directory. */
function shardPath(modelJson: string, rel: string): string {
  const dir = path.dirname(modelJson);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rel) || path.isAbsolute(rel)) {
    throw invalid(modelJson, `${modelJson}: weight shard "${rel}" is not a relative path next to model.json`);
  }
  const resolved = path.resolve(dir, rel);
  const relative = path.relative(dir, resolved);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw invalid(modelJson, `${modelJson}: weight shard "${rel}" points outside the model's directory`);
  }
  return resolved;
}

/** The shard files a model.json names (absolute), in manifest order. */
export function weightShardFiles(modelJsonPath: string, json: Readonly<Record<string, unknown>>): string[] {
  if (!isWeightsManifest(json.weightsManifest)) {
    throw invalid(modelJsonPath, `${modelJsonPath}: weightsManifest is missing or malformed`);
  }
  return json.weightsManifest.flatMap((g) => g.paths.map((p) => shardPath(modelJsonPath, p)));
}

/** Reads and parses a model.json. Errors: FILE_NOT_FOUND, INVALID_FILE (not JSON, not an object). */
export async function readModelJsonFile(file: string): Promise<Record<string, unknown>> {
  const text = await readTextFile(file, { what: 'model.json' });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(file, `${file} is not valid JSON: ${escapeControls((e as Error).message)}`, e);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid(file, `${file} is not a JSON object`);
  }
  return json as Record<string, unknown>;
}

/**
 * Reads a model.json (already parsed, or read here) and its shards into ModelArtifacts.
 * Errors: INVALID_FILE for bad JSON, a malformed manifest, a missing shard or a shard whose size does not
 * match the manifest (the message names the shard).
 */
export async function readModelArtifacts(modelJsonPath: string, parsed?: Readonly<Record<string, unknown>>): Promise<ModelArtifacts> {
  const json = parsed ?? (await readModelJsonFile(modelJsonPath));
  if (typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw invalid(modelJsonPath, `${modelJsonPath}: modelTopology is missing`);
  }
  if (!isWeightsManifest(json.weightsManifest)) {
    throw invalid(modelJsonPath, `${modelJsonPath}: weightsManifest is missing or malformed`);
  }
  const weightSpecs: WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  const within: Containment = { folder: path.dirname(modelJsonPath), what: "the model's folder" };
  checkTopologyAgainstManifest(json.modelTopology, json.weightsManifest, modelJsonPath);
  for (const group of json.weightsManifest) {
    const expected = group.weights.map(weightEntryBytes);
    const groupBytes = expected.every((b): b is number => b !== null) ? expected.reduce((a, b) => a + b, 0) : null;
    const opened: OpenedFile[] = [];
    try {
      for (const rel of group.paths) {
        opened.push(await openForRead(shardPath(modelJsonPath, rel), { within }));
      }
      const total = opened.reduce((n, s) => n + s.size, 0);
      if (groupBytes !== null && total !== groupBytes) {
        // Converters cut shards at a fixed size: every shard but the last has the first one's length.
        const culprit = opened.find((s, i) => i < opened.length - 1 && s.size !== opened[0].size) ?? opened[opened.length - 1];
        const what = total < groupBytes ? 'truncated' : 'longer than expected';
        throw invalid(
          culprit?.path ?? modelJsonPath,
          `weight shard ${culprit?.path ?? '(none)'} is ${what}: the manifest needs ${groupBytes} bytes for ${group.weights.length} weights, the shards hold ${total}`,
        );
      }
      for (const s of opened) {
        buffers.push(new Uint8Array(await readExactly(s, 0, s.size, 'weight shard')));
      }
    } finally {
      await Promise.all(opened.map(closeFile));
    }
    weightSpecs.push(...group.weights);
  }
  const weightData = new Uint8Array(buffers.reduce((n, b) => n + b.length, 0));
  let pos = 0;
  for (const b of buffers) {
    weightData.set(b, pos);
    pos += b.length;
  }
  return {
    modelTopology: json.modelTopology as ModelArtifacts['modelTopology'],
    format: typeof json.format === 'string' ? json.format : undefined,
    generatedBy: typeof json.generatedBy === 'string' ? json.generatedBy : undefined,
    convertedBy: typeof json.convertedBy === 'string' ? json.convertedBy : null,
    signature: typeof json.signature === 'object' && json.signature !== null ? (json.signature as object) : undefined,
    userDefinedMetadata: (json.userDefinedMetadata as ModelArtifacts['userDefinedMetadata']) ?? undefined,
    modelInitializer: typeof json.modelInitializer === 'object' && json.modelInitializer !== null ? (json.modelInitializer as object) : undefined,
    weightSpecs,
    weightData: weightData.buffer,
  };
}

/** An IOHandler that loads a model.json and its shards from disk. */
export function fileLoadHandler(modelJsonPath: string, parsed?: Readonly<Record<string, unknown>>): tf.io.IOHandler {
  return { load: () => readModelArtifacts(modelJsonPath, parsed) };
}

/**
 * An IOHandler that saves a model as `<dir>/model.json` + `<dir>/weights.bin` (one shard), creating `dir`.
 * Used by tests and by code that writes fine-tuned models into the engine's own output folders.
 */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: ModelArtifacts): Promise<tf.io.SaveResult> {
      await fs.mkdir(dir, { recursive: true });
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
        ...(artifacts.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: artifacts.userDefinedMetadata }),
      };
      await fs.writeFile(path.join(dir, 'weights.bin'), new Uint8Array(weightData));
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}
