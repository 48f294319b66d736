#!/usr/bin/env bash
# Tests the GPU kit on a machine without a GPU, as far as that goes (called by .ci/run):
#  1. scripts/gpu-kit.sh builds it, its archive within the size budget;
#  2. its runtime and jars, given DJL's own CPU libtorch and JNI library the way run-gpu.sh gives a
#     host's (PYTORCH_LIBRARY_PATH and the JNI cache), score exactly as the stock trainer jar does;
#  3. run-gpu.sh builds the JNI library from the kit's sources against Debian's libtorch-dev (1.13,
#     installed here when missing) and scores with it, within 0.01 bits/dim of the stock run; and
#     refuses that library as the JNI library of DJL's libtorch (it would bring a second c10);
#  4. only with TORCH_WHEEL=path/to/torch-*.whl (a CPU wheel, as a GPU host's PyTorch is a wheel):
#     the same against that wheel's libtorch, loaded from the wheel's own folder.
# A JNI source that does not compile, or a kit that does not start, fails here, not on a GPU host.
set -euo pipefail
cd "$(dirname "$0")/.."
kit=gpu-kit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

missing=()
for tool in zip unzip xz cmake g++ ninja; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ] || ! dpkg -s libtorch-dev >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zip unzip xz-utils cmake g++ ninja-build \
    libtorch-dev
fi

scripts/gpu-kit.sh

djl=$(sed -n 's/^djl: //p' "$kit/KIT.txt")
native=$(sed -n 's:.*<pytorch.native.version>\(.*\)</pytorch.native.version>.*:\1:p' pom.xml)
jni_version=$(sed -n 's:.*<pytorch.jni.version>\(.*\)</pytorch.jni.version>.*:\1:p' pom.xml)
m2=${M2_REPO:-$HOME/.m2/repository}/ai/djl/pytorch
evaluate=(evaluate --model data/models/fashion-mnist-small
  --data data/sample/fashion-mnist-test-images-idx3-ubyte.gz --limit 64 --batch-size 32
  --noise-seed 7 --device cpu --json)

bpd() { sed -n 's/.*"bpd_elbo": *\([0-9.eE+-]*\).*/\1/p'; }

# the kit's bits/dim with the libtorch in folder $1, version $2, CMake config $3 (if it must build)
kit_bpd() {
  KIT_CACHE=$work/cache LIBTORCH_DIR=$1 TORCH_VERSION=$2 TORCH_FLAVOR=cpu \
    TORCH_CMAKE_PREFIX=${3:-} "$kit/run-gpu.sh" trainer "${evaluate[@]}" | bpd
}

close_to_stock() {
  awk -v a="$2" -v b="$stock" 'BEGIN { d = a - b; exit !(a != "" && d < 0.01 && d > -0.01) }' ||
    { echo "FAIL: $1 gave '$2' bits/dim, the stock jar '$stock'" >&2; exit 1; }
}

stock=$(java -Dai.djl.offline=true -jar trainer/target/flowpp-trainer.jar "${evaluate[@]}" | bpd)
[ -n "$stock" ] || { echo "FAIL: the stock jar printed no bits/dim" >&2; exit 1; }
echo "stock jar: $stock bits/dim"

# 2. DJL's CPU natives, supplied as a host's libtorch is
mkdir -p "$work/djl" "$work/cache/pytorch/$native-cpu-linux-x86_64"
unzip -q -j "$m2/pytorch-native-cpu/$native/pytorch-native-cpu-$native-linux-x86_64.jar" \
  "pytorch/cpu/linux-x86_64/*" -d "$work/djl"
unzip -q -j -o "$m2/pytorch-jni/$jni_version/pytorch-jni-$jni_version.jar" \
  "jnilib/linux-x86_64/cpu/libdjl_torch.so" -d "$work"
mv "$work/libdjl_torch.so" "$work/cache/pytorch/$native-cpu-linux-x86_64/$djl-libdjl_torch.so"
supplied=$(kit_bpd "$work/djl" "$native")
echo "kit, DJL's libtorch $native: $supplied bits/dim"
[ "$supplied" = "$stock" ] ||
  { echo "FAIL: the kit with DJL's natives gave '$supplied', the stock jar '$stock'" >&2; exit 1; }

# 3. the JNI library built by run-gpu.sh against Debian's libtorch
debian=$(dpkg-query -W -f '${Version}' libtorch-dev | sed 's/[+~-].*//')
multiarch=/usr/lib/$(gcc -print-multiarch)
# DJL loads every library of the folder it is given: give it a folder of libtorch's own
mkdir -p "$work/debian"
for lib in libtorch.so libtorch_cpu.so libc10.so; do ln -s "$multiarch/$lib" "$work/debian/$lib"; done
built=$(kit_bpd "$work/debian" "$debian" "$multiarch/cmake")
echo "kit, JNI built against Debian's libtorch $debian: $built bits/dim"
close_to_stock "Debian's libtorch $debian" "$built"

# a JNI library linked against another libtorch than the one DJL is given is refused: Debian's
# build, offered as the JNI library of DJL's libtorch
mkdir -p "$work/mixed/pytorch/$native-cpu-linux-x86_64"
cp "$work/cache/pytorch/$debian-cpu-linux-x86_64/$djl-libdjl_torch.so" \
  "$work/mixed/pytorch/$native-cpu-linux-x86_64/$djl-libdjl_torch.so"
if KIT_CACHE=$work/mixed LIBTORCH_DIR=$work/djl TORCH_VERSION=$native TORCH_FLAVOR=cpu \
    "$kit/run-gpu.sh" trainer "${evaluate[@]}" > /dev/null 2> "$work/mixed.err" ||
    ! grep -q 'links libraries from outside' "$work/mixed.err"; then
  echo "FAIL: a JNI library linked against Debian's libtorch was not refused with DJL's" >&2
  cat "$work/mixed.err" >&2
  exit 1
fi
echo "kit, a JNI library of another libtorch: refused ($(grep -o 'libc10[^ ]*' "$work/mixed.err" | head -n 1))"

# 4. a PyTorch wheel's libtorch, as on a GPU host
if [ -n "${TORCH_WHEEL:-}" ]; then
  unzip -q "$TORCH_WHEEL" 'torch/lib/*' 'torch/include/*' 'torch/share/*' -d "$work/wheel"
  version=$(basename "$TORCH_WHEEL" | sed 's/^torch-\([0-9.]*\).*/\1/')
  wheel=$(kit_bpd "$work/wheel/torch/lib" "$version" "$work/wheel/torch/share/cmake")
  echo "kit, JNI built against the wheel's libtorch $version: $wheel bits/dim"
  close_to_stock "the wheel's libtorch $version" "$wheel"
fi
echo "gpu kit: OK"
