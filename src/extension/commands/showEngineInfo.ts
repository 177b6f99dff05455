/** `longtail.showEngineInfo`: which compute backend the engine runs on, and why faster ones were skipped. */
import * as vscode from 'vscode';
import { InfoRequest } from '../../protocol/engineProtocol';
import type { EngineInfo } from '../../protocol/engineInfo';
import type { EngineClient } from '../engineClient';

/** One line: `wasm (1 thread, cpu); onnxruntime 1 thread (…) — skipped gpu: not installed …`, or the device label on webgpu (`GPU · NVIDIA H100 (WebGPU, Vulkan)`). */
export function describeBackend(info: EngineInfo): string {
  const b = info.backend;
  const failed = b.attempts.filter((a) => a.status === 'failed').map((a) => `${a.name}: ${a.reason}`);
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  const what = b.name === 'webgpu' && b.label ? b.label : `${b.name} (${threads}, ${b.device})`;
  const ort = info.onnxruntimeThreads;
  const native = ort ? `; onnxruntime ${ort.threads} thread${ort.threads === 1 ? '' : 's'} (${ort.reason})` : '';
  return `${what}${native}${failed.length ? ` — skipped ${failed.join('; ')}` : ''}`;
}

/** Starts the engine if needed and reports its backend. */
export async function showEngineInfo(engine: EngineClient, log: vscode.LogOutputChannel): Promise<EngineInfo> {
  const info = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Long-Tail Lens: starting the engine', cancellable: true },
    (_progress, token) => engine.request(InfoRequest, {}, token),
  );
  log.info(`engine info: ${JSON.stringify(info)}`);
  const choice = await vscode.window.showInformationMessage(
    `Long-Tail Lens ${info.version} computes on ${describeBackend(info)}.`,
    'Show log',
  );
  if (choice === 'Show log') {
    log.show(true);
  }
  return info;
}
