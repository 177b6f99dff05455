/**
 * Which onnxruntime execution providers (EPs) an ONNX checkpoint runs on, and where onnxruntime actually
 * placed its ops. onnxruntime-node 1.30 bundles a WebGPU EP (Dawn linked into its binding): when the
 * engine's backend is `webgpu` ONNX sessions try `['webgpu', 'cpu']` — ops the WebGPU EP lacks fall back
 * to the CPU EP inside the same session — then `['cpu']`. Otherwise CUDA where its provider library is
 * installed, else CPU. Placement is read from onnxruntime's own profile of the first batch (each kernel
 * event names its `provider`), so the engine can say which ops ran on the CPU.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

let preferWebgpu = false;

/** Called by loadBackend: ONNX sessions prefer the WebGPU EP exactly when the TF.js backend is webgpu. */
export function setOnnxPrefersWebgpu(on: boolean): void {
  preferWebgpu = on;
}

/** EP lists to try in order, first that creates a session wins. */
export function onnxProviderAttempts(cudaInstalled: boolean): string[][] {
  if (preferWebgpu) return [['webgpu', 'cpu'], ['cpu']];
  return cudaInstalled ? [['cuda', 'cpu'], ['cpu']] : [['cpu']];
}

/** A fresh profile-file prefix in the OS temp folder (onnxruntime appends `_<time>.json`). */
export function onnxProfilePrefix(): string {
  return path.join(os.tmpdir(), `longtail-ort-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

/** Ops per execution provider, from the events of an onnxruntime profile (Chrome trace format). */
export function placementFromProfile(events: unknown): Map<string, Set<string>> {
  const byProvider = new Map<string, Set<string>>();
  if (!Array.isArray(events)) return byProvider;
  for (const event of events as { cat?: unknown; name?: unknown; args?: { provider?: unknown; op_name?: unknown } }[]) {
    const provider = event?.args?.provider;
    const op = event?.args?.op_name;
    if (typeof provider !== 'string' || typeof op !== 'string' || typeof event.name !== 'string') continue;
    const node = event.name.replace(/_kernel_time$/, '');
    let nodes = byProvider.get(provider);
    if (!nodes) byProvider.set(provider, (nodes = new Set()));
    nodes.add(`${op} ${node}`);
  }
  return byProvider;
}

/**
 * One line saying where the ops ran, e.g. `onnxruntime placed all 7 ops on WebGpuExecutionProvider` or
 * `onnxruntime placed 2 of 9 ops on the CPU (CPUExecutionProvider): TopK /head/TopK, ...`.
 */
export function describePlacement(byProvider: Map<string, Set<string>>): string {
  const total = [...byProvider.values()].reduce((n, s) => n + s.size, 0);
  if (total === 0) return 'onnxruntime placement unknown (the profile listed no kernels)';
  const cpu = byProvider.get('CPUExecutionProvider');
  if (!cpu || cpu.size === 0) {
    return `onnxruntime placed all ${total} ops on ${[...byProvider.keys()].join(', ')}`;
  }
  const listed = [...cpu].slice(0, 12).join(', ');
  return `onnxruntime placed ${cpu.size} of ${total} ops on the CPU (CPUExecutionProvider): ${listed}${cpu.size > 12 ? ', …' : ''}`;
}

/**
 * Reads and deletes the profile files written under `prefix`, and describes the placement. Never throws:
 * a missing or unreadable profile gives a note saying so.
 */
export async function readPlacement(prefix: string): Promise<string> {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  try {
    const files = (await fs.readdir(dir)).filter((f) => f.startsWith(base) && f.endsWith('.json'));
    const merged = new Map<string, Set<string>>();
    for (const f of files) {
      const full = path.join(dir, f);
      try {
        for (const [provider, ops] of placementFromProfile(JSON.parse(await fs.readFile(full, 'utf8')))) {
          const into = merged.get(provider) ?? new Set<string>();
          for (const op of ops) into.add(op);
          merged.set(provider, into);
        }
      } finally {
        await fs.rm(full, { force: true });
      }
    }
    return files.length ? describePlacement(merged) : 'onnxruntime placement unknown (no profile was written)';
  } catch (error) {
    return `onnxruntime placement unknown (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}
