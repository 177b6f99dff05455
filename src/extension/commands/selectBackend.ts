/** "Select compute backend": writes `longtail.backend` (the engine restarts with it). */
import * as vscode from 'vscode';
import type { BackendRequest } from '../../protocol/engineInfo';

const choices: { label: string; value: BackendRequest; detail: string }[] = [
  { label: 'Automatic', value: 'auto', detail: 'Fastest that loads: CUDA, then WebGPU on a hardware GPU, then native CPU, then WASM, then pure JavaScript' },
  { label: 'GPU (tfjs-node-gpu)', value: 'gpu', detail: 'CUDA through @tensorflow/tfjs-node-gpu (CUDA 11.2, cuDNN 8.1); fails if it cannot load' },
  { label: 'WebGPU', value: 'webgpu', detail: 'Vulkan / Metal / D3D12 through Dawn; uses even a software adapter (SwiftShader), and says so' },
  { label: 'Native CPU (tfjs-node)', value: 'native', detail: 'libtensorflow on the CPU; fails if it cannot load' },
  { label: 'WebAssembly', value: 'wasm', detail: 'XNNPACK with SIMD, multithreaded where possible' },
  { label: 'JavaScript CPU', value: 'cpu', detail: 'Slowest; last resort' },
];

/** Shows the choices and stores the pick in the workspace (or user) settings. */
export async function selectBackend(): Promise<void> {
  const config = vscode.workspace.getConfiguration('longtail');
  const current = config.get<BackendRequest>('backend', 'auto');
  const pick = await vscode.window.showQuickPick(
    choices.map((c) => ({ ...c, description: c.value === current ? 'current' : undefined })),
    { title: 'Long-Tail Lens: compute backend', placeHolder: 'The engine restarts with the chosen backend' },
  );
  if (!pick || pick.value === current) return;
  const target = vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await config.update('backend', pick.value, target);
}
