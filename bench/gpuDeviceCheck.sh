#!/usr/bin/env bash
# The GPU check for a machine with a real GPU (issue #11): what the Vulkan loader and Dawn see, what the
# engine picks, then the WebGPU-vs-wasm benchmarks (bench/webgpu.bench.ts) and, where PyTorch is installed,
# the forward benchmark's onnxruntime CPU and PyTorch rows. Run from the repository root after `npm ci`:
#
#   bash bench/gpuDeviceCheck.sh [--seconds S]       (default 3; about 5-8 minutes in all)
#
# Writes everything to stdout and, when $OUT is set (the device tool), to $OUT/gpuDeviceCheck.log.
# Nothing here installs anything: where Vulkan is missing it says what is missing.
set -u
cd "$(dirname "$0")/.."
seconds=3
if [ "${1:-}" = "--seconds" ]; then seconds="${2:-3}"; fi
log=/dev/null
if [ -n "${OUT:-}" ]; then mkdir -p "$OUT"; log="$OUT/gpuDeviceCheck.log"; fi
exec > >(tee -a "$log") 2>&1

section() { printf '\n=== %s\n' "$*"; }

section "machine"
date -u +%FT%TZ
uname -srm
nproc
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
echo "NVIDIA_DRIVER_CAPABILITIES=${NVIDIA_DRIVER_CAPABILITIES:-<unset>}  (Vulkan in a container needs 'graphics' or 'all')"
echo "NVIDIA_VISIBLE_DEVICES=${NVIDIA_VISIBLE_DEVICES:-<unset>}"
node --version

section "Vulkan ICDs and loader"
for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
  [ -d "$d" ] && { echo "$d:"; ls -l "$d"; }
done
ls /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json 2>/dev/null || echo "no nvidia_icd.json: NVIDIA's Vulkan ICD is not installed or not mounted"
ldconfig -p | grep -E 'libvulkan\.so|libGLX_nvidia|libnvidia-glvkspirv' || echo "ldconfig lists none of libvulkan.so.1, libGLX_nvidia.so.0, libnvidia-glvkspirv.so"
echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-<unset>}"
if command -v vulkaninfo >/dev/null; then
  vulkaninfo --summary 2>&1 | head -60
else
  echo "vulkaninfo not installed (Debian: apt-get install vulkan-tools)"
fi

section "Dawn's adapters (the webgpu package)"
node --input-type=module -e "
const { create } = await import('./node_modules/webgpu/index.js');
for (const pref of ['high-performance', 'low-power']) {
  const a = await create([]).requestAdapter({ powerPreference: pref });
  console.log(pref + ':', a ? JSON.stringify({ vendor: a.info.vendor, architecture: a.info.architecture, device: a.info.device, description: a.info.description, isFallbackAdapter: a.info.isFallbackAdapter, maxBufferSize: a.limits.maxBufferSize, maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize }) : 'null (no adapter)');
}
// Asking for an adapter name that does not exist makes Dawn list every adapter it found.
try { await create(['adapter=__list_all__']).requestAdapter(); } catch (e) { console.log(String(e.message)); }
" 2>&1

section "onnxruntime-node execution providers"
node -e "const ort = require('onnxruntime-node'); console.log(JSON.stringify(ort.listSupportedBackends ? ort.listSupportedBackends() : 'listSupportedBackends not available'))" 2>&1

section "longtail info --backend auto / webgpu"
node --import tsx src/cli/main.ts info 2>&1 | grep -E '"(name|label|status|reason|device|description|software)"' | head -40
node --import tsx src/cli/main.ts info --backend webgpu --bench 3 --bench-size 2048 2>&1 | grep -E '"(name|label|gflops|device|description|software|vendor|architecture)"|error' | head -20

section "bench/webgpu.bench.ts (webgpu vs wasm, same machine, same run)"
node --import tsx --expose-gc bench/webgpu.bench.ts --seconds "$seconds" 2>&1

if /usr/bin/python3 -c 'import torch, onnx' 2>/dev/null; then
  section "bench/forward.bench.ts --rounds 1 (wasm, onnxruntime CPU, PyTorch on this machine)"
  node --import tsx --expose-gc bench/forward.bench.ts --rounds 1 --no-memory 2>&1 | tail -40
  /usr/bin/python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
else
  section "PyTorch / onnx not installed for /usr/bin/python3: forward.bench.ts (onnxruntime CPU and PyTorch rows) skipped"
fi
echo
echo "done $(date -u +%FT%TZ)"
