/**
 * Which native binaries a per-platform VSIX carries. Two dependencies ship a prebuilt addon for every platform:
 * - `webgpu` (Dawn's Node bindings): `node_modules/webgpu/dist/<folder>/dawn.node` (+ D3D compiler DLLs on
 *   Windows), folders `linux-x64`, `linux-arm64`, `darwin-universal` (both Mac architectures), `win32-x64`,
 *   `win32-arm64`, 19–39 MB each;
 * - `onnxruntime-node`: `node_modules/onnxruntime-node/bin/napi-v6/<platform>/<arch>/` (1.30.0 ships linux x64 and
 *   arm64, darwin arm64, win32 x64 and arm64 — no darwin x64).
 * A VSIX for target `<platform>-<arch>` keeps exactly that target's folders and excludes every other one found on
 * disk: the exclusions are generated from the folders present, not hard-coded, and appended to `.vscodeignore`
 * for `vsce package --target` (scripts/packageTarget.ts).
 */

/** The VS Code targets the engine's native binaries exist for. */
export const vsixTargets = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'] as const;

/** One VS Code target, e.g. `linux-x64`. */
export type VsixTarget = (typeof vsixTargets)[number];

/** Whether `value` names a supported target. */
export function isVsixTarget(value: string): value is VsixTarget {
  return (vsixTargets as readonly string[]).includes(value);
}

/** The binary folders present in node_modules, relative to the repository root. */
export interface NativeFolders {
  /** Folder names under `node_modules/webgpu/dist` (e.g. `linux-x64`, `darwin-universal`). */
  readonly dawn: readonly string[];
  /** `<platform>/<arch>` under `node_modules/onnxruntime-node/bin/napi-v6` (e.g. `linux/x64`). */
  readonly onnxruntime: readonly string[];
}

/** What a target's VSIX keeps and excludes. */
export interface TargetSelection {
  /** Folders kept (repository-relative, `/`-separated). */
  readonly keep: readonly string[];
  /** `.vscodeignore` lines excluding every other binary folder. */
  readonly exclude: readonly string[];
  /** Binaries the target needs but node_modules lacks (the VSIX then cannot load them there). */
  readonly missing: readonly string[];
}

const dawnRoot = 'node_modules/webgpu/dist';
const ortRoot = 'node_modules/onnxruntime-node/bin/napi-v6';

/** Dawn's folder for a target: macOS uses one universal binary. */
export function dawnFolder(target: VsixTarget): string {
  return target.startsWith('darwin-') ? 'darwin-universal' : target;
}

/** onnxruntime's `<platform>/<arch>` folder for a target. */
export function onnxruntimeFolder(target: VsixTarget): string {
  const [platform, arch] = target.split('-');
  return `${platform}/${arch}`;
}

/** Chooses the folders a `target` VSIX keeps and the exclusion lines for the rest of `present`. */
export function selectTargetBinaries(target: VsixTarget, present: NativeFolders): TargetSelection {
  const dawn = dawnFolder(target);
  const ort = onnxruntimeFolder(target);
  const keep: string[] = [];
  const missing: string[] = [];
  if (present.dawn.includes(dawn)) keep.push(`${dawnRoot}/${dawn}`);
  else missing.push(`${dawnRoot}/${dawn} (webgpu's dawn.node: no WebGPU backend on ${target})`);
  if (present.onnxruntime.includes(ort)) keep.push(`${ortRoot}/${ort}`);
  else missing.push(`${ortRoot}/${ort} (onnxruntime-node's binding: ONNX checkpoints cannot load on ${target})`);
  const exclude = [
    ...[...present.dawn].sort().filter((d) => d !== dawn).map((d) => `${dawnRoot}/${d}/**`),
    ...[...present.onnxruntime].sort().filter((d) => d !== ort).map((d) => `${ortRoot}/${d}/**`),
  ];
  return { keep, exclude, missing };
}
