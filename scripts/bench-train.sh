#!/usr/bin/env bash
# Trains the `small` preset on Fashion-MNIST for a fixed time budget on this machine and prints the
# figures of the README's results table. Run it on an otherwise idle machine: it measures throughput.
#
#   scripts/bench-train.sh                 # 30-minute budget, bundle in runs/bench-small
#   MINUTES=5 OUT=runs/quick scripts/bench-train.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${MINUTES:-30}
OUT=${OUT:-runs/bench-small}
IW_SAMPLES=${IW_SAMPLES:-16}
IW_IMAGES=${IW_IMAGES:-2000}
SPEED_IMAGES=${SPEED_IMAGES:-512}
REPORT="$OUT-report"

# shellcheck source=scripts/trainer-env.sh
. scripts/trainer-env.sh
mkdir -p "$REPORT"
MNIST=data/mnist/mnist-images-idx3-ubyte.gz

echo "== training small on Fashion-MNIST for $MINUTES minutes (nproc=$(nproc))" >&2
trainer train --data "$FASHION_TRAIN" --val-data "$FASHION_TEST" --preset small \
  --max-minutes "$MINUTES" --epochs 1000 --batch-size 32 --lr 1e-3 --warmup-steps 200 \
  --validate-every 500 --checkpoint-every 1000 --validation-images 1000 --model-id fashion-mnist-small \
  --out "$OUT" >&2

echo "== evaluating" >&2
trainer evaluate --model "$OUT" --data "$FASHION_TEST" --json > "$REPORT/test-elbo.json"
trainer evaluate --model "$OUT" --data "$FASHION_TEST" --limit "$IW_IMAGES" --iw-samples "$IW_SAMPLES" --json \
  > "$REPORT/test-iw.json"
trainer evaluate --model "$OUT" --data "$MNIST" --json > "$REPORT/mnist-elbo.json"
for b in 1 16 64 256; do
  trainer evaluate --model "$OUT" --data "$FASHION_TEST" --limit "$SPEED_IMAGES" --batch-size "$b" --json \
    > "$REPORT/speed-batch$b.json"
done
trainer score --model "$OUT" --data "$FASHION_TEST" --out "$REPORT/fashion-test-scores.csv" >&2
trainer score --model "$OUT" --data "$MNIST" --out "$REPORT/mnist-scores.csv" >&2

python3 - "$OUT" "$REPORT" <<'PY'
import csv, json, sys, pathlib
out, report = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
load = lambda name: json.loads((report / name).read_text())
manifest = json.loads((out / "bundle.json").read_text())
m = manifest["metrics"]
def bpd(path):
    with open(path) as f:
        return [float(r["elbo_bpd"]) for r in csv.DictReader(f)]
normal, anomalous = bpd(report / "fashion-test-scores.csv"), bpd(report / "mnist-scores.csv")
# AUROC of "higher bits/dim = more anomalous": P(score(anomaly) > score(normal)), ties count half
pairs = sorted([(s, 0) for s in normal] + [(s, 1) for s in anomalous])
rank_sum, i = 0.0, 0
while i < len(pairs):
    j = i
    while j < len(pairs) and pairs[j][0] == pairs[i][0]:
        j += 1
    rank = (i + j + 1) / 2
    rank_sum += rank * sum(1 for k in range(i, j) if pairs[k][1] == 1)
    i = j
n1, n0 = len(anomalous), len(normal)
auroc = (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0)
test, iw, mnist = load("test-elbo.json"), load("test-iw.json"), load("mnist-elbo.json")
train_ips = m["steps"] * m["batchSize"] / m["trainingSeconds"]
print(f"model                     {manifest['modelId']} {manifest['modelVersion']}")
print(f"training                  {m['steps']:.0f} steps, {m['epochs']:.2f} epochs, {m['trainingSeconds']/60:.1f} min")
print(f"training images/s         {train_ips:.1f}")
print(f"Fashion-MNIST test bpd    ELBO {test['bpd_elbo']:.3f} ({test['images']} images)")
print(f"Fashion-MNIST test bpd    IW K={iw['iw_samples']} {iw['bpd_iw']:.3f}  (ELBO on the same {iw['images']}: {iw['bpd_elbo']:.3f})")
print(f"MNIST bpd                 ELBO {mnist['bpd_elbo']:.3f} ({mnist['images']} images)")
for b in (1, 16, 64, 256):
    s = load(f"speed-batch{b}.json")
    print(f"scoring images/s batch {b:<3} {s['images_per_second']:.1f}")
print(f"AUROC raw bpd F-MNIST→MNIST {auroc:.3f} ({n0} normal, {n1} anomalous)")
PY
