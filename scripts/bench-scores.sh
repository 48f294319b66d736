#!/usr/bin/env bash
# How well each anomaly score separates Fashion-MNIST (the bundled model's own data) from every
# anomaly kind of the benchmark: real images of other kinds (MNIST digits; UCI digits, photograph
# crops and text crops when scripts/fetch-datasets.sh has fetched them) and every synthetic kind
# made of the held-out normals (noise, constant, inverted, occluded, blurred, rotated, flipped,
# shifted, Gaussian noise at three strengths, low and high contrast, mixed, pixelated, salt and
# pepper; see ImageCorruptions.Kind). One run of `detection --json`, which scores the normals once.
#
# stdout: one JSON line per (anomaly kind, score) with AUROC, AUPRC, FPR at 95 % TPR, the share
# flagged and the false-alarm rate on held-out normals of a conformal calibration at ALPHA on the
# other half (for dose, also the share flagged by each of its parts, flagged_by_part); then one
# line per score naming its worst kind (lowest AUROC), the headline figure.
# stderr: a summary table, AUROC and share flagged per kind and score.
# Every score kind the bundle allows: bpd, complexity (png and deflate), likelihood_ratio when the
# bundle has a background model (scripts/bench-background.sh), bpd_iw when IW_SAMPLES > 0, and the
# typicality test on windows of TYPICALITY images (0 skips it).
# Uses data/fashion-mnist and data/mnist when scripts/fetch-datasets.sh has fetched them, else the
# committed extracts in data/sample (4000 Fashion-MNIST test images, 1000 digits).
#
#   scripts/bench-scores.sh > scores.jsonl
#   LIMIT=1000 scripts/bench-scores.sh
#   IW_SAMPLES=4 LIMIT=2000 CORRUPTIONS= ANOMALOUS=data/mnist/mnist-images-idx3-ubyte.gz scripts/bench-scores.sh
#   ALPHA=0.05 TYPICALITY=8 CORRUPTIONS=noise,blurred NORMAL=path/to/idx ANOMALOUS="a.idx.gz b.idx.gz" scripts/bench-scores.sh
#
# ANOMALOUS: space-separated image files or folders (default: every real set present);
# CORRUPTIONS: comma-separated kinds, "all" (default) or empty for none; LIMIT: images per set;
# REFERENCES: the normal images dose's shape part compares to (--dose-references; default the
# 60 000 Fashion-MNIST training images when fetched, empty for the calibration half's even images).
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${MODEL:-data/models/fashion-mnist-small}
ALPHA=${ALPHA:-0.01}
IW_SAMPLES=${IW_SAMPLES:-0}
TYPICALITY=${TYPICALITY:-16}
JAR=${JAR:-trainer/target/flowpp-trainer.jar}
CORRUPTIONS=${CORRUPTIONS-all}

REFERENCES=${REFERENCES-data/fashion-mnist/train-images-idx3-ubyte.gz}
[ -z "$REFERENCES" ] || [ -f "$REFERENCES" ] || REFERENCES=
NORMAL=${NORMAL:-data/fashion-mnist/t10k-images-idx3-ubyte.gz}
[ -f "$NORMAL" ] || NORMAL=data/sample/fashion-mnist-test-images-idx3-ubyte.gz
if [ -z "${ANOMALOUS+set}" ]; then
  ANOMALOUS=data/mnist/mnist-images-idx3-ubyte.gz
  [ -f "$ANOMALOUS" ] || ANOMALOUS=data/sample/mnist-images-idx3-ubyte.gz
  for set in data/uci-digits/uci-digits-images-idx3-ubyte.gz \
             data/photos/photo-crops-images-idx3-ubyte.gz data/photos/text-crops-images-idx3-ubyte.gz; do
    if [ -f "$set" ]; then ANOMALOUS="$ANOMALOUS $set"; fi
  done
fi

args=(detection --model "$MODEL" --normal "$NORMAL" --alpha "$ALPHA" --iw-samples "$IW_SAMPLES"
      --typicality-window "$TYPICALITY" --json)
[ -z "${LIMIT:-}" ] || args+=(--limit "$LIMIT")
[ -z "$REFERENCES" ] || args+=(--dose-references "$REFERENCES")
for set in $ANOMALOUS; do
  args+=(--anomalous "$set")
done
case "$CORRUPTIONS" in
  "") ;;
  all) args+=(--corrupt-all) ;;
  *) args+=(--corrupt "$CORRUPTIONS") ;;
esac

[ -f "$JAR" ] || mvn -B -q -DskipTests package >&2
echo "== nproc=$(nproc); normal $NORMAL; anomalous ${ANOMALOUS:-none}; corruptions ${CORRUPTIONS:-none}; dose references ${REFERENCES:-the even half of the calibration}" >&2
log=$(mktemp)
lines=$(mktemp)
trap 'rm -f "$log" "$lines"' EXIT
# progress bars would flood a log: keep stderr aside and show it only when the run fails
if ! java -jar "$JAR" "${args[@]}" > "$lines" 2> "$log"; then
  cat "$log" >&2
  exit 1
fi
cat "$lines"

# The summary: the lines are flat JSON objects, so awk can read a field by name.
awk '
  function field(line, key,   at) {
    if (!match(line, "\"" key "\":(\"[^\"]*\"|[^,}]*)")) return ""
    at = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
    gsub(/"/, "", at)
    return at
  }
  function cell(auroc, flagged) {
    if (auroc == "" || auroc == "null") return "-"
    return sprintf("%.3f %5.1f%%", auroc, 100 * flagged)
  }
  {
    score = field($0, "score")
    if (!(score in seen)) { seen[score] = 1; scores[++nscores] = score }
    kind = field($0, "anomalies")
    if (kind != "") {
      if (!(kind in known)) { known[kind] = 1; kinds[++nkinds] = kind }
      cells[kind, score] = cell(field($0, "auroc"), field($0, "flagged"))
      alarms[score] = sprintf("%.2f%%", 100 * field($0, "false_alarms"))
    } else {
      worst[score] = field($0, "worst") " " sprintf("%.3f", field($0, "auroc"))
    }
  }
  END {
    printf "\nAUROC and share flagged at alpha = %s (%d kinds)\n", ALPHA, nkinds
    printf "%-16s", "anomalies"
    for (s = 1; s <= nscores; s++) printf " %21s", scores[s]
    printf "\n"
    for (k = 1; k <= nkinds; k++) {
      printf "%-16s", kinds[k]
      for (s = 1; s <= nscores; s++) printf " %21s", cells[kinds[k], scores[s]]
      printf "\n"
    }
    printf "%-16s", "false alarms"
    for (s = 1; s <= nscores; s++) printf " %21s", alarms[scores[s]]
    printf "\n%-16s", "worst (AUROC)"
    for (s = 1; s <= nscores; s++) printf " %21s", worst[scores[s]]
    printf "\n"
  }
' ALPHA="$ALPHA" "$lines" >&2
