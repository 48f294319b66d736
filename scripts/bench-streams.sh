#!/usr/bin/env bash
# End-to-end benchmark of the streams app on an embedded broker: throughput of the full topology
# against the scoring engine alone, batching speed-up, latency at half the maximum rate.
# Prints figures; never fails on a timing. Arguments go to StreamsBenchmark (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=streams-app/target/flowpp-streams.jar
if [[ ! -f $jar ]]; then
  mvn -B -q -DskipTests package
fi
exec java -XX:+ExitOnOutOfMemoryError -Dai.djl.offline=true -cp "$jar" dev.flowwatch.streams.bench.StreamsBenchmark "$@"
