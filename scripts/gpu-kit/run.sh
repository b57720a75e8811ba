#!/usr/bin/env bash
# On the GPU machine (see pack.sh): unpacks the kit, installs the carried Vulkan loader, converts the synthetic
# 7B (q4f16 by default) into /tmp and runs the GPU check on onnxruntime-node's WebGPU EP. Extra arguments go to
# models/bench/gpu-check.ts (e.g. --device cpu, --contexts 1024, --dtype q4). Figures go to stdout and $OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
KIT=$PWD/.gpu-kit
WORK=/tmp/rewatch-gpu
mkdir -p "$WORK/bin"
xz -dc "$KIT/node.xz" > "$WORK/bin/node" && chmod +x "$WORK/bin/node"
xz -dc "$KIT/libonnxruntime.so.1.xz" > "$KIT/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"
mkdir -p "$WORK/prompt-files" && for f in "$KIT"/prompt-files/*.xz; do xz -dc "$f" > "$WORK/prompt-files/$(basename "$f" .xz)"; done
# GPU_KIT_DRY_RUN=1 (a CPU check on a machine of one's own) leaves its system libraries alone.
if [ -z "${GPU_KIT_DRY_RUN:-}" ] && ! ldconfig -p | grep -q libvulkan; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$WORK/bin/node" "$KIT/gpu-check.mjs" --work "$WORK" --prompt-files "$WORK/prompt-files" "$@" | tee "${OUT:-/tmp}/gpu-check.txt"
