#!/usr/bin/env bash
# Regenerates BENCHMARKS.md at the repository root: builds bnngen, then benches the benchmark model
# (benchmarks/resnet20-cifar/model.onnx) on every emulated target. Needs scripts/setup.sh to have run once.
# Extra arguments go to scripts/benchmarks.mjs (e.g. --targets cortex-m4,rv32imc --out /tmp/b.md).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p .
node scripts/benchmarks.mjs "$@"
