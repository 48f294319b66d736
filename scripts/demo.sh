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
# the allocator keeps each freed layer's memory for the next layer (scripts/flowpp-malloc.sh)
# shellcheck disable=SC2046 # NAME=value words
export $(scripts/flowpp-malloc.sh)
exec java -XX:+ExitOnOutOfMemoryError -jar "$JAR" demo "$@"
