# Sourced by the scripts that train on Fashion-MNIST (bench-train.sh, bench-background.sh,
# tune-background.sh), from the repository root: fetches the data, builds the trainer's jar unless
# JAR names one, and defines FASHION_TRAIN, FASHION_TEST, `trainer ARGS…`, the trainer CLI, and
# `writable_model DIR`.
JAR=${JAR:-trainer/target/flowpp-trainer.jar}
scripts/fetch-datasets.sh >&2
[ -f "$JAR" ] || mvn -B -q -DskipTests package >&2
FASHION_TRAIN=data/fashion-mnist/train-images-idx3-ubyte.gz
FASHION_TEST=data/fashion-mnist/t10k-images-idx3-ubyte.gz
# jemalloc keeps each freed layer's memory for the next one: 28 % more steps in 30 minutes than
# glibc's defaults (README, "Results: scale"); evaluation and scoring gain as well
# shellcheck disable=SC2046 # NAME=value words
trainer() { env $(scripts/flowpp-malloc.sh train) java -Xmx8g -jar "$JAR" "$@"; }

# A model bundle the script may rewrite (attach a background, calibrate): MODEL when given, else a
# fresh copy of the bundled model at $1, since the committed bundle's calibration
# (data/models/README.md) must stay as it was made.
writable_model() {
  if [ -n "${MODEL:-}" ]; then
    echo "$MODEL"
    return
  fi
  rm -rf "$1"
  mkdir -p "$(dirname "$1")"
  cp -r data/models/fashion-mnist-small "$1"
  echo "== working on a copy of the bundled model: $1 (MODEL=... to name another)" >&2
  echo "$1"
}

