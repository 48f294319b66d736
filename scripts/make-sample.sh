#!/usr/bin/env bash
# Regenerates the small committed sample in data/sample/ from the full data sets that
# scripts/fetch-datasets.sh puts under data/ (run first if they are missing):
#   fashion-mnist-test-*   the first 6000 Fashion-MNIST test images and labels
#   fashion-mnist-train-*  the first 6000 Fashion-MNIST training images and labels
#   mnist-*                the first 1000 converted MNIST digits, 100 per class
# The output is byte-for-byte reproducible (gzip with no name and mtime 0).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/data"
SAMPLE="$DATA/sample"
HEAD="$ROOT/scripts/idx-head.js"

command -v node >/dev/null || { echo "make-sample: needs node (apt-get install nodejs)" >&2; exit 1; }
bash "$ROOT/scripts/fetch-datasets.sh"
mkdir -p "$SAMPLE"

# head_pair <source dir> <source prefix> <sample prefix> <count>: both images and labels
head_pair() {
  local source="$1" from="$2" to="$3" count="$4" kind
  for kind in images-idx3 labels-idx1; do
    node "$HEAD" "$source/$from-$kind-ubyte.gz" "$SAMPLE/$to-$kind-ubyte.gz" "$count"
  done
}

head_pair "$DATA/fashion-mnist" t10k fashion-mnist-test 6000
head_pair "$DATA/fashion-mnist" train fashion-mnist-train 6000
head_pair "$DATA/mnist" mnist mnist 1000
ls -l "$SAMPLE"
