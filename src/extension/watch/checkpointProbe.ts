/**
 * Is a checkpoint on disk complete, and what is its fingerprint? Used by watch mode before it
 * re-analyses (vscode-free; Node's fs only, so it is unit-tested on real files):
 *
 * - TF.js `model.json`: it parses, and every weight group's shards exist and hold exactly the bytes its
 *   manifest implies (Σ over weights of ∏shape × bytes per element; quantized weights use their
 *   quantization dtype);
 * - `.safetensors`: the file is 8 + header length + the largest `data_offsets` end long;
 * - `.npz`: the zip's end-of-central-directory record is present;
 * - a SavedModel folder: `saved_model.pb` exists;
 * - anything else (`.onnx`, `.npy`): the file is not empty.
 *
 * The fingerprint lists size and modification time of every file read, so two equal fingerprints a
 * poll apart mean nothing was being written in between.
 */
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { ProbeResult } from './watchScheduler';

const bytesPerElement: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, int8: 1, uint16: 2, int16: 2, float16: 2 };

async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(file);
  } catch {
    return undefined;
  }
}

const stamp = (name: string, s: Stats): string => `${name}:${s.size}:${Math.round(s.mtimeMs)}`;

const notReady = (reason: string): ProbeResult => ({ ready: false, reason });

interface ManifestWeight {
  readonly shape?: unknown;
  readonly dtype?: unknown;
  readonly quantization?: { readonly dtype?: unknown };
}

/** Bytes a manifest group's weights occupy, or undefined when a dtype has no fixed size (strings). */
function expectedGroupBytes(weights: readonly ManifestWeight[]): number | undefined {
  let total = 0;
  for (const w of weights) {
    const dtype = typeof w.quantization?.dtype === 'string' ? w.quantization.dtype : w.dtype;
    const size = typeof dtype === 'string' ? bytesPerElement[dtype] : undefined;
    if (size === undefined || !Array.isArray(w.shape) || !w.shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) return undefined;
    total += (w.shape as number[]).reduce((a, b) => a * b, 1) * size;
  }
  return total;
}

async function probeModelJson(file: string, modelStat: Stats): Promise<ProbeResult> {
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return notReady(`${path.basename(file)} does not parse (still being written?)`);
  }
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  const stamps = [stamp('model.json', modelStat)];
  if (manifest === undefined) return { ready: true, fingerprint: stamps.join('|') };
  if (!Array.isArray(manifest)) return notReady(`${path.basename(file)} has no valid weightsManifest`);
  const dir = path.dirname(file);
  for (const group of manifest as { paths?: unknown; weights?: unknown }[]) {
    if (!Array.isArray(group?.paths) || !group.paths.every((p) => typeof p === 'string')) return notReady(`${path.basename(file)} has a weight group without paths`);
    let actual = 0;
    for (const shard of group.paths as string[]) {
      const s = await statOrUndefined(path.join(dir, shard));
      if (!s?.isFile()) return notReady(`weight shard ${shard} is missing`);
      actual += s.size;
      stamps.push(stamp(shard, s));
    }
    const expected = Array.isArray(group.weights) ? expectedGroupBytes(group.weights as ManifestWeight[]) : undefined;
    if (expected !== undefined && actual !== expected) {
      return notReady(`weight shards ${(group.paths as string[]).join(', ')} hold ${actual} bytes; the manifest implies ${expected}`);
    }
  }
  return { ready: true, fingerprint: stamps.join('|') };
}

async function readHead(file: string, start: number, length: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function probeSafetensors(file: string, s: Stats): Promise<ProbeResult> {
  if (s.size < 8) return notReady(`${path.basename(file)} is shorter than its header`);
  const headerLength = Number((await readHead(file, 0, 8)).readBigUInt64LE(0));
  if (8 + headerLength > s.size || headerLength > 100_000_000) return notReady(`${path.basename(file)} is shorter than its header`);
  let header: Record<string, { data_offsets?: unknown }>;
  try {
    header = JSON.parse((await readHead(file, 8, headerLength)).toString('utf8')) as Record<string, { data_offsets?: unknown }>;
  } catch {
    return notReady(`${path.basename(file)}'s header does not parse`);
  }
  let end = 0;
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const offsets = entry?.data_offsets;
    if (Array.isArray(offsets) && typeof offsets[1] === 'number') end = Math.max(end, offsets[1]);
  }
  if (s.size !== 8 + headerLength + end) return notReady(`${path.basename(file)} holds ${s.size} bytes; its header implies ${8 + headerLength + end}`);
  return { ready: true, fingerprint: stamp(path.basename(file), s) };
}

async function probeNpz(file: string, s: Stats): Promise<ProbeResult> {
  const tail = Math.min(s.size, 22 + 65_535);
  const bytes = await readHead(file, s.size - tail, tail);
  // End of central directory: PK\x05\x06, written last by every zip writer.
  for (let i = bytes.length - 22; i >= 0; i--) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x05 && bytes[i + 3] === 0x06) return { ready: true, fingerprint: stamp(path.basename(file), s) };
  }
  return notReady(`${path.basename(file)} has no zip directory yet (still being written?)`);
}

/** Probes the checkpoint at `model` (a file, or a SavedModel folder). */
export async function probeCheckpoint(model: string): Promise<ProbeResult> {
  const s = await statOrUndefined(model);
  if (!s) return notReady(`${path.basename(model)} does not exist (yet)`);
  if (s.isDirectory()) {
    const pb = await statOrUndefined(path.join(model, 'saved_model.pb'));
    if (!pb?.isFile() || pb.size === 0) return notReady(`${path.basename(model)}/saved_model.pb is missing`);
    const stamps = [stamp('saved_model.pb', pb)];
    const variables = path.join(model, 'variables');
    for (const name of (await fs.readdir(variables).catch(() => [] as string[])).sort()) {
      const v = await statOrUndefined(path.join(variables, name));
      if (v?.isFile()) stamps.push(stamp(`variables/${name}`, v));
    }
    return { ready: true, fingerprint: stamps.join('|') };
  }
  if (s.size === 0) return notReady(`${path.basename(model)} is empty`);
  const lower = model.toLowerCase();
  if (path.basename(lower) === 'model.json' || lower.endsWith('.json')) return probeModelJson(model, s);
  if (lower.endsWith('.safetensors')) return probeSafetensors(model, s);
  if (lower.endsWith('.npz')) return probeNpz(model, s);
  return { ready: true, fingerprint: stamp(path.basename(model), s) };
}
