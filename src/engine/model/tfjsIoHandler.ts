/**
 * File-system IOHandlers for TF.js models. Plain `@tensorflow/tfjs` in Node cannot load `file://` URLs
 * (Node's fetch has no file scheme, and the fileSystem handler exists only in tfjs-node), so the engine reads
 * `model.json` and its weight shards itself and hands TF.js the artifacts. Shards are validated against the
 * manifest: each group's total byte length must equal Σ bytes(dtype)·Π shape over its weights.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { tf } from '../compute/tf';

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
        Array.isArray((g as { weights?: unknown }).weights) &&
        (g as { weights: unknown[] }).weights.every(
          (w) =>
            typeof w === 'object' &&
            w !== null &&
            typeof (w as { name?: unknown }).name === 'string' &&
            Array.isArray((w as { shape?: unknown }).shape) &&
            typeof (w as { dtype?: unknown }).dtype === 'string',
        ),
    )
  );
}

/** Resolves a shard path from the manifest; rejects URLs and paths that leave the model's directory. */
function shardPath(modelJson: string, rel: string): string {
  const dir = path.dirname(modelJson);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rel) || path.isAbsolute(rel)) {
    throw invalid(modelJson, `${modelJson}: weight shard "${rel}" is not a relative path next to model.json`);
  }
  const resolved = path.resolve(dir, rel);
  if (path.relative(dir, resolved).startsWith('..')) {
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
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new LongtailError(ErrorCode.FileNotFound, `cannot read ${file}: ${(e as Error).message}`, { file, cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(file, `${file} is not valid JSON: ${(e as Error).message}`, e);
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
  for (const group of json.weightsManifest) {
    const expected = group.weights.map(weightEntryBytes);
    const groupBytes = expected.every((b): b is number => b !== null) ? expected.reduce((a, b) => a + b, 0) : null;
    const shards: { file: string; bytes: Uint8Array }[] = [];
    for (const rel of group.paths) {
      const file = shardPath(modelJsonPath, rel);
      try {
        shards.push({ file, bytes: new Uint8Array(await fs.readFile(file)) });
      } catch (e) {
        throw invalid(file, `weight shard ${file} named in ${modelJsonPath} cannot be read: ${(e as Error).message}`, e);
      }
    }
    const total = shards.reduce((n, s) => n + s.bytes.length, 0);
    if (groupBytes !== null && total !== groupBytes) {
      // Converters cut shards at a fixed size: every shard but the last has the first one's length.
      const culprit = shards.find((s, i) => i < shards.length - 1 && s.bytes.length !== shards[0].bytes.length) ?? shards[shards.length - 1];
      const what = total < groupBytes ? 'truncated' : 'longer than expected';
      throw invalid(
        culprit?.file ?? modelJsonPath,
        `weight shard ${culprit?.file ?? '(none)'} is ${what}: the manifest needs ${groupBytes} bytes for ${group.weights.length} weights, the shards hold ${total}`,
      );
    }
    weightSpecs.push(...group.weights);
    buffers.push(...shards.map((s) => s.bytes));
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
