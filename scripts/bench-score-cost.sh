#!/usr/bin/env bash
# What a batch costs the scoring engine under score kind complexity and under dose, and where dose's
# time goes: one JSON line per kind (ms per batch, images/s, of_complexity = complexity's time over
# the kind's) and one per step of dose (flow, orientation, complexity, image_statistics, outline,
# shape_descriptors, shape_search, dose_judgement; the background where the calibration uses it).
# Each kind's batch is timed as the engine computes it, the kinds alternating which goes first;
# of_complexity_by_steps is the same ratio from the steps (complexity's are dose's flow and
# complexity), where one timing of the flow serves both kinds. On a CPU that the forward pass fills,
# these ratios are lower bounds of the ratio of the kinds' stream throughputs (the stream's own work
# is the same for both), without a whole stream's noise (README, "Results: streaming"). Run it on
# an otherwise idle machine.
#
#   scripts/bench-score-cost.sh
#   MODEL=path/to/bundle BATCH_SIZE=256 BATCHES=10 DEVICE=gpu scripts/bench-score-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=${JAR:-trainer/target/flowpp-trainer.jar}
MODEL=${MODEL:-data/models/fashion-mnist-small}
DATA=${DATA:-data/sample/fashion-mnist-test-images-idx3-ubyte.gz}
[ -f "$JAR" ] || mvn -B -q -DskipTests package >&2
env $(scripts/flowpp-malloc.sh) java -Dai.djl.offline=true -cp "$JAR" \
  dev.flowwatch.trainer.bench.ScoreCostBenchmark --model "$MODEL" --data "$DATA" \
  --batch-size "${BATCH_SIZE:-64}" --batches "${BATCHES:-60}" --device "${DEVICE:-auto}"
