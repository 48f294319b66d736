#!/usr/bin/env bash
# Soak test: the app (a child JVM running `run`, its heap fixed and pre-touched as in the pods, the
# allocator scripts/flowpp-malloc.sh gives) on an embedded broker under steady input, every tenth
# event malformed, for 30 minutes by default. Prints one JSON line per sample (the app's resident
# memory, events out so far) and one with the totals: the exactly-once tally, RSS at the first
# sample, highest and last, and its growth over the run's second half (MB per hour). Exits 1 if an
# event was lost, came out twice or on the wrong topic. Arguments go to SoakRun (--help lists them:
# --minutes, --rate, --malformed-every, --sample-seconds, --heap, --model).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=streams-app/target/flowpp-streams.jar
if [[ ! -f $jar ]]; then
  mvn -B -q -DskipTests package
fi
exec env $(scripts/flowpp-malloc.sh) java -XX:+ExitOnOutOfMemoryError -Dai.djl.offline=true \
  -cp "$jar" dev.flowwatch.streams.bench.SoakRun "$@"
