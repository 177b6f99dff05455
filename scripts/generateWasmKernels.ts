/** `npm run generate:kernels`: compiles src/engine/training/kernels/*.wat and src/engine/analysis/kernels/*.wat into their base64 modules (scripts/wasmKernelSource.ts). */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { wasmKernelModule, wasmKernels } from './wasmKernelSource';

async function main(): Promise<void> {
  for (const kernel of wasmKernels) {
    const text = await wasmKernelModule(kernel);
    writeFileSync(kernel.module, text);
    console.log(`wrote ${path.relative(process.cwd(), kernel.module)} (${text.length} characters)`);
  }
}

void main();
