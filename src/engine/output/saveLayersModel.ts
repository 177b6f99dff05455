/**
 * Saves a TF.js LayersModel as `model.json` + `weights.bin` into a folder (the format
 * `tf.loadLayersModel` reads), without tfjs-node's file:// handler, which plain @tensorflow/tfjs lacks.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { io, LayersModel } from '@tensorflow/tfjs';
import { longtailVersion } from '../version';

/** Concatenates TF.js weight data (one buffer or several) into one. */
function concatWeightData(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

/** Writes `model.json` and `weights.bin` into the existing folder `dir`. */
export async function saveLayersModel(model: LayersModel, dir: string): Promise<void> {
  const handler: io.IOHandler = {
    save: async (artifacts: io.ModelArtifacts): Promise<io.SaveResult> => {
      const weights = artifacts.weightData ? concatWeightData(artifacts.weightData as ArrayBuffer | ArrayBuffer[]) : new Uint8Array(0);
      const modelJson = {
        format: 'layers-model',
        generatedBy: `Long-Tail Lens ${longtailVersion}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await fs.writeFile(path.join(dir, 'weights.bin'), weights);
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    },
  };
  await model.save(handler);
}
