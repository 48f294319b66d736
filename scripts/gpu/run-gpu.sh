#!/usr/bin/env bash
# Runs flowwatch from this kit (scripts/gpu-kit.sh) on a host that has its own PyTorch and no JDK.
#
#   run-gpu.sh trainer ARGS...      the trainer CLI (flowpp-trainer ARGS)
#   run-gpu.sh streams ARGS...      the streams app (flowpp-streams ARGS)
#   run-gpu.sh class MAIN ARGS...   any main class of the kit's jars (the benchmarks)
#
# The libtorch is python3's torch unless LIBTORCH_DIR names the folder holding libtorch.so; then
# TORCH_VERSION (x.y.z) and TORCH_FLAVOR (cpu, cu128, cu130, ...) say what it is, and
# TORCH_CMAKE_PREFIX (the folder holding Torch/TorchConfig.cmake) is needed to build the JNI
# library. That library is built once per libtorch version and flavor into KIT_CACHE (default
# cache/ in the kit; a few minutes on 16 cores) and reused. JAVA_OPTS go to the JVM.
set -euo pipefail
kit=$(cd "$(dirname "$0")" && pwd)
cache=${KIT_CACHE:-$kit/cache}
[ -f "$kit/KIT.txt" ] || { echo "run-gpu.sh runs from a kit that scripts/gpu-kit.sh built" >&2; exit 2; }
djl=$(sed -n 's/^djl: //p' "$kit/KIT.txt")
case ${1:-} in
  trainer | streams) ;;
  class) [ $# -ge 2 ] || { sed -n '6p' "$0" >&2; exit 2; } ;;
  *) sed -n '4,6p' "$0" >&2; exit 2 ;;
esac

if [ -z "${LIBTORCH_DIR:-}" ]; then
  if ! found=$(python3 -c 'import os, torch
print(os.path.dirname(torch.__file__), torch.__version__.split("+")[0], torch.version.cuda or "cpu")'
  ); then
    echo "no libtorch: python3 cannot import torch, and LIBTORCH_DIR is not set" >&2
    exit 2
  fi
  read -r torch_dir TORCH_VERSION cuda <<< "$found"
  LIBTORCH_DIR=$torch_dir/lib
  TORCH_CMAKE_PREFIX=$torch_dir/share/cmake
  if [ "$cuda" = cpu ]; then TORCH_FLAVOR=cpu; else TORCH_FLAVOR=cu${cuda//./}; fi
fi
: "${TORCH_VERSION:?set TORCH_VERSION (x.y.z) with LIBTORCH_DIR}"
: "${TORCH_FLAVOR:?set TORCH_FLAVOR (cpu or cuNNN) with LIBTORCH_DIR}"
[ -f "$LIBTORCH_DIR/libtorch.so" ] || { echo "no libtorch.so in $LIBTORCH_DIR" >&2; exit 2; }

# where DJL looks for the JNI library of a libtorch given by PYTORCH_LIBRARY_PATH
jni=$cache/pytorch/$TORCH_VERSION-$TORCH_FLAVOR-linux-x86_64/$djl-libdjl_torch.so
if [ ! -f "$jni" ]; then
  : "${TORCH_CMAKE_PREFIX:?set TORCH_CMAKE_PREFIX to build the JNI library for $LIBTORCH_DIR}"
  echo "building DJL's JNI library for libtorch $TORCH_VERSION ($TORCH_FLAVOR), once ..." >&2
  JAVA_HOME=$kit/runtime DJL_JNI_HEADERS=$kit/jni/include \
    "$kit/jni/build-jni.sh" "$jni" "$TORCH_CMAKE_PREFIX" "$TORCH_VERSION" "$TORCH_FLAVOR"
fi

# DJL loads the libtorch of LIBTORCH_DIR; a JNI library linked against another copy of c10 or
# torch would bring it into the process too, with thread-local state of its own (grad mode: an
# in-place write to a weight then fails as if gradients were recorded)
linked=$(LD_LIBRARY_PATH=$LIBTORCH_DIR ldd "$jni") ||
  { echo "$jni does not load (ldd): $linked" >&2; exit 2; }
owned=$(find -L "$LIBTORCH_DIR" -maxdepth 1 -name 'lib*.so*' -exec readlink -f {} \;)
foreign=$(awk '$1 ~ /^lib(c10|torch)/ {print $1, $3}' <<< "$linked" |
  while read -r name path; do
    real=$(readlink -f "$path" 2>/dev/null || true)
    [ -n "$real" ] && grep -qFx -- "$real" <<< "$owned" || echo "$name ($path)"
  done)
if [ -n "$foreign" ]; then
  echo "$jni links libraries from outside $LIBTORCH_DIR: $(echo $foreign); delete it and rebuild" \
    "against $LIBTORCH_DIR's own CMake config (TORCH_CMAKE_PREFIX)" >&2
  exit 2
fi

# DJL loads every library in the folder; a pip wheel's folder also holds Python's bindings and test
# libraries that must not be loaded into a JVM
exclusion=$(find -L "$LIBTORCH_DIR" -name 'lib*.so*' -printf '%f\n' |
  grep -Ev '^lib(c10|c10_cuda|torch|torch_cpu|torch_cuda|caffe2_nvrtc|fbgemm)\.so$|^libgomp' |
  sort -u | paste -sd, - || true)

java_opts=(-XX:+ExitOnOutOfMemoryError -Dai.djl.offline=true)
if [[ $TORCH_FLAVOR == cu* ]]; then
  # DJL counts GPUs through JNA's libcudart.so; a CUDA wheel ships only libcudart.so.N, so point
  # JNA at the very runtime that libtorch_cuda.so resolves
  cudart=$(ldd "$LIBTORCH_DIR/libtorch_cuda.so" | awk '/libcudart/ {print $3; exit}')
  [ -n "$cudart" ] || { echo "libtorch_cuda.so resolves no libcudart" >&2; exit 2; }
  mkdir -p "$cache/cudart"
  ln -sfn "$cudart" "$cache/cudart/libcudart.so"
  java_opts+=(-Djna.library.path="$cache/cudart")
fi

export PYTORCH_LIBRARY_PATH=$LIBTORCH_DIR PYTORCH_VERSION=$TORCH_VERSION \
  PYTORCH_FLAVOR=$TORCH_FLAVOR PYTORCH_LIBRARY_EXCLUSION=$exclusion \
  ENGINE_CACHE_DIR=$cache DJL_CACHE_DIR=$cache
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java=("$kit/runtime/bin/java" "${java_opts[@]}" ${JAVA_OPTS:-} -cp "$kit/lib/*")
what=$1
shift
case $what in
  trainer) exec "${java[@]}" dev.flowwatch.trainer.FlowppTrainer "$@" ;;
  streams) exec "${java[@]}" dev.flowwatch.streams.FlowppStreams "$@" ;;
  class) main=$1; shift; exec "${java[@]}" "$main" "$@" ;;
esac
