#!/usr/bin/env bash
# Packs the GPU check (models/bench/gpu-check.ts) for the device tool's GPU machine, which has no network and
# takes at most 64 MiB: .gpu-kit/ holds Node (xz), the check bundled into one file, onnxruntime-node's JS and
# its linux-x64 library (xz; it includes the Dawn WebGPU EP), and Qwen's tokenizer files (xz); .gl/ holds the
# Vulkan and GL loader packages the device README says to bring. Both are gitignored. Run it here, then
#   run(command: 'bash scripts/gpu-kit/run.sh', carry: ['.gpu-kit', '.gl'], timeout_s: 600)
set -euo pipefail
cd "$(dirname "$0")/../.."
KIT=.gpu-kit
REFERENCE=${REWATCH_REFERENCE:-../shared/reference}/qwen2_5_vl_tiny/model
rm -rf "$KIT" && mkdir -p "$KIT/node_modules/onnxruntime-node/bin/napi-v6/linux/x64" "$KIT/prompt-files"

npx esbuild models/bench/gpu-check.ts --bundle --platform=node --format=esm --target=node20 --log-level=warning \
  --outfile="$KIT/gpu-check.mjs" --external:onnxruntime-node --alias:sharp=./scripts/gpu-kit/no-sharp.ts \
  --banner:js="import { createRequire as __kitRequire } from 'module'; const require = __kitRequire(import.meta.url);"

ORT=node_modules/onnxruntime-node
cp "$ORT/package.json" "$KIT/node_modules/onnxruntime-node/"
cp -r "$ORT/dist" "$KIT/node_modules/onnxruntime-node/"
cp "$ORT/bin/napi-v6/linux/x64/onnxruntime_binding.node" "$KIT/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/"
xz -T0 -6 -c "$ORT/bin/napi-v6/linux/x64/libonnxruntime.so.1" > "$KIT/libonnxruntime.so.1.xz"
cp -r node_modules/onnxruntime-common "$KIT/node_modules/"
xz -T0 -6 -c "$(command -v node)" > "$KIT/node.xz"
for f in tokenizer.json tokenizer_config.json chat_template.json generation_config.json preprocessor_config.json; do xz -T0 -6 -c "$REFERENCE/$f" > "$KIT/prompt-files/$f.xz"; done

# The device README's recipe for the loaders (amd64 packages, unpacked there at each run).
if [ ! -d .gl ]; then
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq && (cd .gl && apt-get $o download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
du -sh "$KIT" .gl
