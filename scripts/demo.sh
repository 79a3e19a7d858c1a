#!/usr/bin/env bash
# The main job on the bundled example: inspect -> compile -> build + run under QEMU -> accuracy, flash, RAM,
# then the exact per-step instruction profile against the float path, with an HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=examples/irnet-fashion-mnist/model.onnx
TARGET=${TARGET:-cortex-m4}
SAMPLES=${SAMPLES:-1000}
node dist/src/cli/main.js inspect "$MODEL"
node dist/src/cli/main.js compile "$MODEL" --target "$TARGET" -o out/irnet-fashion-mnist --force
node dist/src/cli/main.js verify "$MODEL" --target "$TARGET" --dataset fashion-mnist --samples "$SAMPLES"
node dist/src/cli/main.js bench "$MODEL" --target "$TARGET" --report out/irnet-fashion-mnist-report.html
