#!/usr/bin/env bash
# README command #1: the streaming demo on a fresh machine. Builds the jars once, then runs
#   flowpp-streams demo: an embedded single-node KRaft broker, the bundled Fashion-MNIST model,
#   Fashion-MNIST test images with injected anomalies replayed into `images`, the scoring topology,
#   and a live summary. Ctrl-C stops it cleanly. Arguments go to the demo (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=streams-app/target/flowpp-streams.jar
if [ ! -f "$JAR" ]; then
  echo "building (first run only) ..." >&2
  mvn -B -q -DskipTests package
fi
# an OutOfMemoryError ends the JVM at once instead of leaving a half-dead process behind
# PyTorch frees each layer's tensors as soon as it is done (flowpp's per-layer scopes); keep glibc from
# handing that memory back to the kernel and faulting it in again for the next layer: ~30 % of the
# scoring speed on CPU (README, "Results: scale")
export MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_MMAP_THRESHOLD_=4000000000
exec java -XX:+ExitOnOutOfMemoryError -jar "$JAR" demo "$@"
