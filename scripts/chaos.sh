#!/usr/bin/env bash
# Kill test beyond one SIGKILL: the app (a child JVM running `run`) on an embedded broker, killed
# with SIGKILL at random moments under steady input (every tenth event malformed), 20 times by
# default, then drained. Prints one JSON line per kill (recovery: kill to the next committed score)
# and one with the totals: valid and malformed events sent, scores and dead letters in the
# read_committed output, events lost, out twice or on the wrong topic, kills, recovery and drain
# seconds. Exits 1 if any event was lost, came out twice or on the wrong topic. Arguments go to
# ChaosRun (--help lists them: --kills, --rate, --malformed-every, --max-extra-ms, --seed, --model).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=streams-app/target/flowpp-streams.jar
if [[ ! -f $jar ]]; then
  mvn -B -q -DskipTests package
fi
exec java -XX:+ExitOnOutOfMemoryError -Dai.djl.offline=true -cp "$jar" dev.flowwatch.streams.bench.ChaosRun "$@"
