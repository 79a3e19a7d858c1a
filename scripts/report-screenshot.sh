#!/usr/bin/env bash
# docs/report.png: the HTML report of the bundled example on cortex-m4 (run, per-step counts, verification on
# Fashion-MNIST), opened in headless Chromium and photographed from the top. Rerun after a change to the report.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=examples/irnet-fashion-mnist/model.onnx
TARGET=${TARGET:-cortex-m4}
SAMPLES=${SAMPLES:-20}
OUT=${OUT:-docs/report.png}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npx tsc -p .
node dist/src/cli/main.js report "$MODEL" --target "$TARGET" --verify --dataset fashion-mnist --samples "$SAMPLES" -o "$work/report.html"
node dist/test/helpers/report-screenshot.js "$work/report.html" "$OUT"
