#!/usr/bin/env bash
# How often a calibrated bundle alarms on normal images it has not seen. Scores DATA with MODEL
# (`flowpp-trainer score`, whose <kind>_p_value columns are the calibration's conformal p-values),
# leaves out the first SKIP images (those the calibration used) and prints one JSON line per
# calibrated score kind and value of ALPHAS: the share of the other images with p < alpha (what
# the streaming app alerts on), the binomial standard deviation of that share were the rate
# exactly alpha, and the largest distance (Kolmogorov–Smirnov) between the p-values' distribution
# and the uniform one. The bundled model's calibration took the first 4000 Fashion-MNIST test
# images (data/sample's), so by default the other 6000 are judged: one calibration against many
# new images, as a stream sees it, rather than the one 2000-image split of bench-scores.sh.
#
#   scripts/bench-false-alarms.sh
#   MODEL=/models/new DATA=held-out-images-idx3-ubyte.gz SKIP=0 ALPHAS="0.01 0.001" scripts/bench-false-alarms.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${MODEL:-data/models/fashion-mnist-small}
DATA=${DATA:-data/fashion-mnist/t10k-images-idx3-ubyte.gz}
SKIP=${SKIP:-4000}
ALPHAS=${ALPHAS:-0.01 0.05 0.1}
JAR=${JAR:-trainer/target/flowpp-trainer.jar}

[ -f "$DATA" ] || scripts/fetch-datasets.sh >&2
[ -f "$JAR" ] || mvn -B -q -DskipTests package >&2
csv=$(mktemp)
trap 'rm -f "$csv" "$csv".*' EXIT
echo "== nproc=$(nproc); model $MODEL; data $DATA from image $SKIP on" >&2
# progress bars would flood a log: keep stderr aside and show it only when the run fails
if ! java -jar "$JAR" score --model "$MODEL" --data "$DATA" --out "$csv" > /dev/null 2> "$csv.log"; then
  cat "$csv.log" >&2
  exit 1
fi

IFS=, read -ra columns < "$csv"
found=0
for i in "${!columns[@]}"; do
  name=${columns[$i]}
  [[ $name == *_p_value ]] || continue
  found=1
  tail -n +2 "$csv" | awk -F, -v c=$((i + 1)) -v skip="$SKIP" '$1 >= skip { print $c }' \
    | sort -g > "$csv.p"
  awk -v kind="${name%_p_value}" -v alphas="$ALPHAS" -v skip="$SKIP" '
    { p[NR] = $1 }
    END {
      n = NR
      if (n == 0) { print "no image after the first " skip > "/dev/stderr"; exit 1 }
      ks = 0
      for (i = 1; i <= n; i++) {
        if (i / n - p[i] > ks) ks = i / n - p[i]
        if (p[i] - (i - 1) / n > ks) ks = p[i] - (i - 1) / n
      }
      count = split(alphas, a, " ")
      for (j = 1; j <= count; j++) {
        below = 0
        for (i = 1; i <= n && p[i] < a[j]; i++) below++
        printf "{\"kind\": \"%s\", \"images\": %d, \"alpha\": %s, \"false_alarms\": %.4f, " \
               "\"binomial_sd\": %.4f, \"ks_distance\": %.4f}\n",
               kind, n, a[j], below / n, sqrt(a[j] * (1 - a[j]) / n), ks
      }
    }' "$csv.p"
done
if [ "$found" = 0 ]; then
  echo "$MODEL has no calibration: run flowpp-trainer calibrate first" >&2
  exit 1
fi
