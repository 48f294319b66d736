#!/usr/bin/env bash
# The GPU benchmark, one JSON line per case, each case in a fresh JVM with a time limit (CASE_S,
# default 90 s); never fails on a figure. Runs from the kit (gpu-kit/bench-gpu.sh on the GPU host)
# or from the repository (scripts/bench-gpu.sh, after scripts/gpu-kit.sh), with the images and the
# model of the repository's data/ (or DATA_DIR).
#
#   gpu-kit/bench-gpu.sh                       # every case, about 6 minutes on an H100
#   CASES="score-small" gpu-kit/bench-gpu.sh   # some groups: device score-small score-paper
#                                              # train-paper streams cpu
#   BATCHES="1 1024" STREAM_BATCHES=256 STREAM_THREADS=4 gpu-kit/bench-gpu.sh   # fewer cases
#   STREAM_BATCHES="64 256" STREAM_PIPELINED=pipelined gpu-kit/bench-gpu.sh     # other streams
#   STREAM_SCORE_KIND=complexity CASES=streams gpu-kit/bench-gpu.sh                # another score
#   STREAM_PASSES="1 4" STREAM_THREADS=4 CASES=streams gpu-kit/bench-gpu.sh   # concurrent passes
#   CASES=profile PROFILE_DIR=traces gpu-kit/bench-gpu.sh   # where paper's forward pass spends
#   CASES=score-cost gpu-kit/bench-gpu.sh   # where a dose batch of 256 spends, step by step
#   ATTENTION="fused explicit" CASES=score-paper gpu-kit/bench-gpu.sh   # scoring's attention both
#                                              # ways (-Dflowpp.attention; fused by default)
#   CUDNN="default benchmark" CASES=score-paper gpu-kit/bench-gpu.sh   # cuDNN's convolution
#                                              # algorithms timed per shape (DJL's
#                                              # ai.djl.pytorch.cudnn_benchmark) against its heuristics
#   PASSES="1 2 4" CASES=score-paper gpu-kit/bench-gpu.sh   # batches scored at once, each on a
#                                              # thread of its own (ModelBenchmark --passes)
#
# profile: one paper batch of 256 under PyTorch's profiler with CUDA_LAUNCH_BLOCKING=1 (so that an
# operator's time includes its kernels), its trace in PROFILE_DIR (default a temporary folder) and
# one line per operator, the costliest first (profile-ops.py).
#
# Scoring: ELBO images/s and ms per batch of a freshly initialised model (the speed does not depend
# on the weights) after a warm-up batch; with several passes, ms per batch is the wall time over the
# batches, not one pass's. Training: images/s of paper steps (after the first).
# gpu_used_mb is CUDA's used memory at the end of a case (PyTorch's cache keeps what the peak
# took); gpu_peak_mb the highest nvidia-smi saw while it ran, every 100 ms.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kit=$here
[ -x "$kit/run-gpu.sh" ] || kit=$here/../gpu-kit
[ -x "$kit/run-gpu.sh" ] || { echo "no kit: run scripts/gpu-kit.sh first" >&2; exit 2; }
run=$kit/run-gpu.sh
# the repository's data/, beside the kit
data_dir=${DATA_DIR:-$kit/../data}
data=$data_dir/sample/fashion-mnist-train-images-idx3-ubyte.gz
DEVICE=${DEVICE:-gpu}
CASE_S=${CASE_S:-90}
CASES=${CASES:-device score-small score-paper train-paper streams cpu}
STREAM_SCORE_KIND=${STREAM_SCORE_KIND:-dose}
bench=dev.flowwatch.trainer.bench.ModelBenchmark

# one case: NAME, then ModelBenchmark's arguments; the line it prints gains name and gpu_peak_mb
model_case() {
  local name=$1 peak log
  shift
  log=$(mktemp)
  peak=$(mktemp)
  local smi=
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > "$peak" &
    smi=$!
  fi
  timeout "$CASE_S" "$run" class "$bench" --data "$data" "$@" > "$log" 2> "$log.err"
  local rc=$?
  [ -z "$smi" ] || kill "$smi" 2>/dev/null
  local top
  top=$(sort -n "$peak" | tail -n 1)
  if [ "$rc" -eq 0 ] && grep -q '^{' "$log"; then
    sed "s/^{/{\"name\": \"$name\", \"gpu_peak_mb\": ${top:-null}, /" "$log" | grep '^{'
  else
    echo "{\"name\": \"$name\", \"error\": \"exit $rc\", \"log\": \"$log.err\", \"last\": \"$(tail -n 1 "$log.err" | tr -d '"\\' | cut -c1-300)\"}"
  fi
}

score_cases() {
  local preset=$1 device=$2 batch images attention cudnn timed passes suffix
  for attention in ${ATTENTION:-fused}; do
    for cudnn in ${CUDNN:-default}; do
      for passes in ${PASSES:-1}; do
        # cases other than the defaults are named for what differs; the default's keep their names
        suffix=
        [ "$attention" = fused ] || suffix=-$attention
        case $cudnn in
          default) timed=false ;;
          benchmark) timed=true; suffix=$suffix-cudnn-benchmark ;;
          *) echo "CUDNN: default or benchmark, not $cudnn" >&2; exit 2 ;;
        esac
        [ "$passes" = 1 ] || suffix=$suffix-p$passes
        for batch in ${BATCHES:-1 64 256 1024}; do
          # enough batches to time, few enough to stay within the case's limit at batch 1
          images=$(( batch == 1 ? 64 : batch * 16 ))
          JAVA_OPTS="${JAVA_OPTS:-} -Dflowpp.attention=$attention -Dai.djl.pytorch.cudnn_benchmark=$timed" \
            model_case "score-$preset-b$batch-$device$suffix" --device "$device" --mode score \
            --preset "$preset" --shape 1x28x28 --batch-size "$batch" --images "$images" \
            --passes "$passes"
        done
      done
    done
  done
}

for group in $CASES; do
  case $group in
    device)
      echo "{\"name\": \"device\", \"gpu\": \"$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -n 1)\", \"cpus\": $(nproc), \"kit\": \"$(sed -n 's/^commit: //p' "$kit/KIT.txt")\", \"torch\": \"$(python3 -c 'import torch; print(torch.__version__)' 2>/dev/null)\"}"
      ;;
    score-small) score_cases small "$DEVICE" ;;
    score-paper) score_cases paper "$DEVICE" ;;
    train-paper)
      for shape in 1x28x28 3x32x32; do
        for batch in 16 64; do
          model_case "train-paper-$shape-b$batch" --device "$DEVICE" --mode train --preset paper \
            --shape "$shape" --batch-size "$batch" --steps 4
        done
      done
      ;;
    streams)
      log=$(mktemp)
      # batch.pipelined on and off: how much of a batch's CPU work the pipeline hides
      for batch in ${STREAM_BATCHES:-256}; do
        for threads in ${STREAM_THREADS:-1 4}; do
          for pipelined in ${STREAM_PIPELINED:-pipelined no-pipelined}; do
            # STREAM_PASSES unset: the app's default model.concurrent.passes
            for passes in ${STREAM_PASSES:-app}; do
              concurrent=()
              [ "$passes" = app ] || concurrent=(--concurrent-passes "$passes")
              if timeout $((CASE_S * 2)) "$run" class dev.flowwatch.streams.bench.StreamsBenchmark \
                  --model "$data_dir/models/fashion-mnist-small" --data "$data_dir" \
                  --device "$DEVICE" --batch-size "$batch" --stream-threads "$threads" \
                  --"$pipelined" "${concurrent[@]}" --events $((batch * 80)) \
                  --latency-seconds 10 --score-kind "$STREAM_SCORE_KIND" > "$log" 2> "$log.err"; then
                grep '^{' "$log"
              else
                echo "{\"name\": \"streams-$STREAM_SCORE_KIND-b$batch-t$threads-$pipelined-p$passes\", \"error\": \"exit $?\", \"log\": \"$log.err\", \"last\": \"$(tail -n 1 "$log.err" | tr -d '"\\' | cut -c1-300)\"}"
              fi
            done
          done
        done
      done
      ;;
    profile)
      traces=${PROFILE_DIR:-$(mktemp -d)}
      mkdir -p "$traces"
      trace=$traces/paper-b256-$DEVICE.json
      CUDA_LAUNCH_BLOCKING=1 model_case "profile-paper-b256-$DEVICE" --device "$DEVICE" \
        --mode score --preset paper --shape 1x28x28 --batch-size 256 --images 256 --profile "$trace"
      [ ! -f "$trace" ] ||
        python3 "$here/profile-ops.py" "$trace" 20 | sed "s/^{/{\"name\": \"profile-paper-b256-$DEVICE\", /"
      ;;
    score-cost)
      # the bundled model's complexity and dose batches, and dose's steps (scripts/bench-score-cost.sh)
      log=$(mktemp)
      if timeout "$CASE_S" "$run" class dev.flowwatch.trainer.bench.ScoreCostBenchmark \
          --model "$data_dir/models/fashion-mnist-small" \
          --data "$data_dir/sample/fashion-mnist-test-images-idx3-ubyte.gz" --device "$DEVICE" \
          --batch-size 256 --batches 10 > "$log" 2> "$log.err"; then
        sed "s/^{/{\"name\": \"score-cost-b256-$DEVICE\", /" "$log" | grep '^{'
      else
        echo "{\"name\": \"score-cost-b256-$DEVICE\", \"error\": \"exit $?\", \"log\": \"$log.err\"}"
      fi
      ;;
    cpu) BATCHES="64 256" score_cases small cpu ;;
    *) echo "unknown group $group" >&2; exit 2 ;;
  esac
done
