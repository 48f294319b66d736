#!/usr/bin/env bash
# Trains the background model of the likelihood-ratio score (Ren et al. 2019) the way
# scripts/bench-train.sh trains the model itself: the `small` preset on the 60 000 Fashion-MNIST
# training images, a 30-minute training-time budget, but every batch with a share MUTATION of its
# pixels replaced by uniform noise. Then attaches it to MODEL (default: a copy of the bundled
# model in $OUT-model; the committed bundle is never rewritten), calibrates MODEL's scores on the
# first 4000 images of data/sample's Fashion-MNIST test set, and prints the background's figures.
# Run it on an otherwise idle machine: it measures throughput.
#
#   scripts/bench-background.sh                      # 30 minutes, attaches to a copy of the bundled model
#   MINUTES=5 MODEL=runs/bench-small OUT=runs/bg scripts/bench-background.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${MINUTES:-30}
MUTATION=${MUTATION:-0.2}
OUT=${OUT:-runs/bench-small-background}

# shellcheck source=scripts/trainer-env.sh
. scripts/trainer-env.sh
MODEL=$(writable_model "$OUT-model")

echo "== training the background model (mutation $MUTATION) for $MINUTES minutes (nproc=$(nproc))" >&2
trainer train --data "$FASHION_TRAIN" --val-data "$FASHION_TEST" --preset small \
  --background --mutation-rate "$MUTATION" --seed 2 \
  --max-minutes "$MINUTES" --epochs 1000 --batch-size 32 --lr 1e-3 --warmup-steps 200 \
  --validate-every 500 --checkpoint-every 1000 --validation-images 1000 \
  --model-id fashion-mnist-small-background --out "$OUT" >&2

trainer attach-background --model "$MODEL" --background "$OUT"
trainer calibrate --model "$MODEL" --data data/sample/fashion-mnist-test-images-idx3-ubyte.gz --limit 4000
echo "== the background model on clean test images" >&2
trainer evaluate --model "$OUT" --data "$FASHION_TEST" --limit 2000
python3 - "$OUT" <<'PY'
import json, sys, pathlib
m = json.loads((pathlib.Path(sys.argv[1]) / "bundle.json").read_text())["metrics"]
print(f"background training       {m['steps']:.0f} steps, {m['epochs']:.2f} epochs, "
      f"{m['trainingSeconds']/60:.1f} min, {m['steps']*m['batchSize']/m['trainingSeconds']:.1f} img/s, "
      f"{m['nonFiniteSteps']:.0f} non-finite steps skipped")
print(f"validation bpd (mutated)  {m['validationBitsPerDim']:.3f} at mutation rate {m['mutationRate']}")
PY
