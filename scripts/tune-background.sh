#!/usr/bin/env bash
# Tunes the likelihood-ratio score's background model as Ren et al. (2019) do, without anomalous
# data: trains one background model per pair μ:λ of GRID (μ the training mutation rate, λ the L2
# weight decay), each for STEPS steps of the `small` preset on the 60 000 Fashion-MNIST training
# images, then lets `select-background` judge them on held-out normals (Fashion-MNIST test images
# SKIP.. SKIP+VALIDATION, past the 4000 that calibration and scripts/bench-scores.sh use) against
# copies of them with a share CHECK_RATE of their pixels replaced by noise. Prints one JSON line per
# candidate, then one naming the selected one; with ATTACH=1 it attaches the winner to MODEL and
# calibrates MODEL again (default MODEL: the bundled model to judge against, and with ATTACH=1 a
# copy of it in $OUT-model: the committed bundle is never rewritten).
#
#   scripts/tune-background.sh                          # 5 candidates, 1000 steps each (an hour)
#   GRID="0.1:0 0.2:0.01" STEPS=200 OUT=runs/tune scripts/tune-background.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# λ = 0.01 and 0.1 raised the validation bits/dim after 150 steps from 6.30 to 6.48 and 6.94:
# a mild and a strong penalty; μ around Ren et al.'s 0.1-0.2
GRID=${GRID:-0.2:0 0.2:0.01 0.2:0.1 0.1:0.01 0.3:0.01}
STEPS=${STEPS:-1000}
CHECK_RATE=${CHECK_RATE:-0.02}
SKIP=${SKIP:-6000}
VALIDATION=${VALIDATION:-2000}
OUT=${OUT:-runs/tune-background}
ATTACH=${ATTACH:-0}

# shellcheck source=scripts/trainer-env.sh
. scripts/trainer-env.sh
if [ "$ATTACH" = 1 ]; then
  MODEL=$(writable_model "$OUT-model")
else
  MODEL=${MODEL:-data/models/fashion-mnist-small}
fi

candidates=()
for pair in $GRID; do
  mutation=${pair%:*} decay=${pair#*:}
  dir="$OUT/mu$mutation-wd$decay"
  candidates+=("$dir")
  if [ -f "$dir/bundle.json" ]; then
    echo "== $dir exists: kept" >&2
    continue
  fi
  echo "== background model μ=$mutation λ=$decay, $STEPS steps" >&2
  # a step budget, not a time budget: every candidate gets the same training however busy the
  # machine is
  trainer train --data "$FASHION_TRAIN" --val-data "$FASHION_TEST" --preset small \
    --background --mutation-rate "$mutation" --weight-decay "$decay" --seed 2 \
    --max-steps "$STEPS" --epochs 1000 --batch-size 32 --lr 1e-3 --warmup-steps 200 \
    --validate-every 500 --checkpoint-every 0 --validation-images 1000 \
    --model-id "fashion-mnist-small-background-mu$mutation-wd$decay" --out "$dir" >&2
done

attach=()
[ "$ATTACH" = 1 ] && attach=(--attach)
list=$(IFS=,; echo "${candidates[*]}")
trainer select-background --model "$MODEL" --candidates "$list" --data "$FASHION_TEST" \
  --skip "$SKIP" --limit "$VALIDATION" --mutation-rate "$CHECK_RATE" --json "${attach[@]}"
if [ "$ATTACH" = 1 ]; then
  trainer calibrate --model "$MODEL" --data data/sample/fashion-mnist-test-images-idx3-ubyte.gz \
    --limit 2000 >&2
fi
