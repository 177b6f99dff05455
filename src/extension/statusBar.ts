/** Status bar item: the last balanced error and the compute backend (GPU / native / WASM / CPU). */
import * as vscode from 'vscode';
import type { BackendName } from '../protocol/engineInfo';

const backendLabels: Record<BackendName, string> = { gpu: 'GPU', webgpu: 'WebGPU', native: 'native', wasm: 'WASM', cpu: 'CPU' };

/** Owns the status bar item. */
export class LongtailStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('longtail.status', vscode.StatusBarAlignment.Left, 10);
  private backend: BackendName | undefined;
  private label: string | undefined;
  private balancedError: number | undefined;

  constructor() {
    this.item.name = 'Long-Tail Lens';
    this.item.command = 'longtail.openLastReport';
    this.render();
  }

  /** `label` (EngineInfo's backend.label) names the WebGPU device: `GPU · NVIDIA H100 (WebGPU, Vulkan)`. */
  setBackend(backend: BackendName, label?: string): void {
    this.backend = backend;
    this.label = backend === 'webgpu' && label ? label : undefined;
    this.render();
  }

  setBalancedError(value: number): void {
    this.balancedError = value;
    this.render();
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    if (this.balancedError === undefined && this.backend === undefined) {
      this.item.hide();
      return;
    }
    const ber = this.balancedError !== undefined ? `BER ${(100 * this.balancedError).toFixed(1)}%` : 'Long-Tail';
    const backend = this.backend ? ` · ${this.label ?? backendLabels[this.backend]}` : '';
    this.item.text = `$(graph) ${ber}${backend}`;
    this.item.tooltip = 'Long-Tail Lens: balanced error of the last analysis and the compute backend. Click to open the last report.';
    this.item.show();
  }
}
