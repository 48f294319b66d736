#!/usr/bin/env bash
# How well each anomaly score separates Fashion-MNIST (the bundled model's own data) from MNIST
# digits and from synthetic anomalies made of the held-out normals (uniform noise, constant images,
# inverted, occluded and blurred clothes): AUROC, AUPRC, FPR at 95 % TPR, and the false-alarm rate
# on held-out normals of a conformal calibration at alpha on the other half. Prints figures only.
# Every score kind the bundle allows: bpd, complexity (png and deflate), likelihood_ratio when the
# bundle has a background model (scripts/bench-background.sh), bpd_iw when IW_SAMPLES > 0, and the
# typicality test on windows of TYPICALITY images (0 skips it).
# Uses data/fashion-mnist and data/mnist when scripts/fetch-datasets.sh has fetched them, else the
# committed extracts in data/sample (4000 Fashion-MNIST test images, 1000 digits).
#
#   scripts/bench-scores.sh
#   IW_SAMPLES=4 LIMIT=2000 CORRUPTIONS= scripts/bench-scores.sh     # bpd_iw, MNIST only
#   ALPHA=0.05 LIMIT=1000 IW_SAMPLES=4 TYPICALITY=8 NORMAL=path/to/idx ANOMALOUS=path/to/idx scripts/bench-scores.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${MODEL:-data/models/fashion-mnist-small}
ALPHA=${ALPHA:-0.01}
IW_SAMPLES=${IW_SAMPLES:-0}
TYPICALITY=${TYPICALITY:-16}
JAR=${JAR:-trainer/target/flowpp-trainer.jar}

NORMAL=${NORMAL:-data/fashion-mnist/t10k-images-idx3-ubyte.gz}
[ -f "$NORMAL" ] || NORMAL=data/sample/fashion-mnist-test-images-idx3-ubyte.gz
ANOMALOUS=${ANOMALOUS:-data/mnist/mnist-images-idx3-ubyte.gz}
[ -f "$ANOMALOUS" ] || ANOMALOUS=data/sample/mnist-images-idx3-ubyte.gz

[ -f "$JAR" ] || mvn -B -q -DskipTests package >&2
echo "== nproc=$(nproc); normal $NORMAL, anomalous $ANOMALOUS" >&2
detection() {
  java -jar "$JAR" detection --model "$MODEL" --normal "$NORMAL" --alpha "$ALPHA" \
    --iw-samples "$IW_SAMPLES" --typicality-window "$TYPICALITY" ${LIMIT:+--limit "$LIMIT"} "$@" 2>/dev/null
  echo
}
detection --anomalous "$ANOMALOUS"
CORRUPTIONS=${CORRUPTIONS-noise,constant,inverted,occluded,blurred}
[ -z "$CORRUPTIONS" ] || detection --corrupt "$CORRUPTIONS"
