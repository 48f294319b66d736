#!/usr/bin/env bash
# Peak memory and speed of the Flow++ presets, one JSON line per case, each case in a fresh JVM
# (peak resident memory is a high-water mark of the whole process). Training cases: seconds per
# step (after the first) and the first step's loss; scoring cases: ELBO images/s after a warm-up
# batch. Never fails on a figure. Run it on an otherwise idle machine.
#
#   scripts/bench-model.sh                  # every case (about 30 minutes on 2 cores)
#   CASES="score-16-b64 score-16-b64-4096" scripts/bench-model.sh
#   DEVICE=gpu scripts/bench-model.sh       # on a GPU host: adds gpu_used_mb
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=${JAR:-trainer/target/flowpp-trainer.jar}
DATA=${DATA:-data/sample/fashion-mnist-train-images-idx3-ubyte.gz}
DEVICE=${DEVICE:-auto}
HEAP=${HEAP:-2g}
[ -f "$JAR" ] || mvn -B -q -DskipTests package >&2
# Scoring runs as the demo and the CPU image do (scripts/flowpp-malloc.sh). Training runs with
# glibc's defaults: glibc's scoring settings fragment a `paper` step's heap (README, Memory), and
# jemalloc was measured in training for `small` only (scripts/bench-train.sh uses it).
SCORING_MALLOC=$(scripts/flowpp-malloc.sh)

declare -A CASE=(
  [train-28-b4]="--mode train --preset paper --shape 1x28x28 --batch-size 4 --steps 3"
  [train-28-b16]="--mode train --preset paper --shape 1x28x28 --batch-size 16 --steps 2"
  [train-28-b16-m4]="--mode train --preset paper --shape 1x28x28 --batch-size 16 --micro-batch-size 4 --steps 2"
  [train-32rgb-b4]="--mode train --preset paper --shape 3x32x32 --batch-size 4 --steps 2"
  [score-16-b16]="--mode score --preset paper --shape 1x16x16 --batch-size 16 --images 256"
  [score-16-b64]="--mode score --preset paper --shape 1x16x16 --batch-size 64 --images 512"
  [score-28-b16]="--mode score --preset paper --shape 1x28x28 --batch-size 16 --images 64"
  [score-16-b64-4096]="--mode score --preset paper --shape 1x16x16 --batch-size 64 --images 4096"
  [score-32rgb-b16]="--mode score --preset paper --shape 3x32x32 --batch-size 16 --images 64"
  [score-64rgb-b16]="--mode score --preset large --shape 3x64x64 --batch-size 16 --images 64"
  [train-64rgb-b4]="--mode train --preset large --shape 3x64x64 --batch-size 4 --steps 2"
  [small-score-28-b64]="--mode score --preset small --shape 1x28x28 --batch-size 64 --images 512"
  [small-score-28-b1]="--mode score --preset small --shape 1x28x28 --batch-size 1 --images 256"
  [small-score-28-b1-p2]="--mode score --preset small --shape 1x28x28 --batch-size 1 --images 256 --passes 2"
  [score-28-b16-p2]="--mode score --preset paper --shape 1x28x28 --batch-size 16 --images 64 --passes 2"
  [small-score-28-b64-p2]="--mode score --preset small --shape 1x28x28 --batch-size 64 --images 512 --passes 2"
  [small-train-28-b32]="--mode train --preset small --shape 1x28x28 --batch-size 32 --steps 30"
)
ORDER="small-score-28-b64 small-score-28-b1 small-score-28-b64-p2 small-score-28-b1-p2 score-16-b16 score-16-b64 score-28-b16 score-28-b16-p2 score-16-b64-4096 score-32rgb-b16 score-64rgb-b16
train-28-b4 train-28-b16 train-28-b16-m4 train-32rgb-b4 small-train-28-b32"
CASES=${CASES:-$ORDER}

echo "{\"nproc\": $(nproc), \"device\": \"$DEVICE\", \"date\": \"$(date -u +%FT%TZ)\"}"
for name in $CASES; do
  [ -n "${CASE[$name]:-}" ] || { echo "unknown case $name; known: $ORDER" >&2; exit 2; }
  log=$(mktemp)
  # /usr/bin/time's %M is the same VmHWM the case reports itself; printed as a cross-check
  malloc=$SCORING_MALLOC
  [[ $name == *train-* ]] && malloc=
  if env $malloc /usr/bin/time -f 'time_peak_rss_kb=%M' -o "$log.time" \
      java -Xmx"$HEAP" -Dai.djl.offline=true -cp "$JAR" dev.flowwatch.trainer.bench.ModelBenchmark \
      --data "$DATA" --device "$DEVICE" ${CASE[$name]} > "$log" 2> "$log.err"; then
    kb=$(sed -n 's/^time_peak_rss_kb=//p' "$log.time")
    sed "s|^{|{\"name\": \"$name\", \"malloc\": \"${malloc:-default}\", \"time_peak_rss_mb\": $((kb / 1024)), |" "$log"
  else
    echo "{\"name\": \"$name\", \"error\": \"exit $?, see $log.err\"}"
  fi
done
