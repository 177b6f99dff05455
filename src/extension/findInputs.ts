/** Finds checkpoints and datasets in the workspace for the analysis quick picks. */
import * as path from 'node:path';
import * as vscode from 'vscode';

const excluded = '**/{node_modules,.git,.longtail,dist,out}/**';

/** Checkpoints: LayersModel/GraphModel model.json, ONNX, SavedModel folders, and head files (NumPy, safetensors, PyTorch state dicts). */
export async function findCheckpoints(): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles('**/{model.json,*.onnx,saved_model.pb,*.npz,*.safetensors,*.npy,*.pth,*.pt,*.ckpt,pytorch_model.bin}', excluded, 500);
  return files
    .map((u) => (path.basename(u.fsPath) === 'saved_model.pb' ? vscode.Uri.file(path.dirname(u.fsPath)) : u))
    .filter((u) => !/(^|[-_.])(features|embeddings|labels|counts)([-_.]|$)/i.test(path.basename(u.fsPath)));
}

/**
 * Datasets: IDX and CIFAR folders (the folder holding the files), array files, subset indices (JSON
 * with "indices"), list files and iNaturalist-style JSON. Image folders are reached with "Browse…".
 */
export async function findDatasets(): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles(
    '**/{*-idx3-ubyte,*-idx3-ubyte.gz,*_batch*.bin,test_batch.bin,train.bin,test.bin,*.npz,*.safetensors,*.json,*.txt}',
    excluded,
    2000,
  );
  const out = new Map<string, vscode.Uri>();
  for (const u of files) {
    const base = path.basename(u.fsPath);
    if (/idx3-ubyte(\.gz)?$/.test(base) || /\.bin$/.test(base)) {
      out.set(path.dirname(u.fsPath), vscode.Uri.file(path.dirname(u.fsPath)));
      out.set(u.fsPath, u);
    } else if (/\.(npz|safetensors)$/.test(base)) {
      out.set(u.fsPath, u);
    } else if (base !== 'model.json' && base !== 'longtail.json' && base !== 'package.json' && !base.endsWith('report.json')) {
      if (/\.json$/.test(base) || /(train|test|val).*\.txt$/i.test(base)) {
        out.set(u.fsPath, u);
      }
    }
  }
  return [...out.values()];
}
