#!/usr/bin/env bash
# Builds DJL's PyTorch JNI library (libdjl_torch.so) from the sources vendored beside this script
# against any libtorch that ships its CMake config: a CUDA libtorch on a GPU host (the pip wheel
# of its PyTorch), Debian's libtorch-dev in CI. DJL's published JNI binds only the libtorch it was
# released with (2.7.1 for DJL 0.36); this is how the same Java runs on another.
#
#   build-jni.sh OUT.so TORCH_CMAKE_PREFIX TORCH_VERSION FLAVOR
#
# TORCH_CMAKE_PREFIX: the folder holding Torch/TorchConfig.cmake (python3 -c 'import torch;
# print(torch.utils.cmake_prefix_path)'); TORCH_VERSION: x.y.z; FLAVOR: cpu or cuNNN.
# Needs cmake, a C++17 compiler, JAVA_HOME with include/jni.h, and the JNI header that javac -h
# made from DJL's PyTorchLibrary.java in DJL_JNI_HEADERS (gpu-kit.sh puts it in the kit).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 4 ] || { sed -n '7,8p' "$0" >&2; exit 2; }
out=$1 prefix=$2 version=$3 flavor=$4
: "${JAVA_HOME:?JAVA_HOME must hold include/jni.h}"
: "${DJL_JNI_HEADERS:=$here/include}"
[ -f "$DJL_JNI_HEADERS/ai_djl_pytorch_jni_PyTorchLibrary.h" ] ||
  { echo "no ai_djl_pytorch_jni_PyTorchLibrary.h in $DJL_JNI_HEADERS" >&2; exit 2; }
[ -f "$JAVA_HOME/include/jni.h" ] || { echo "no include/jni.h under JAVA_HOME=$JAVA_HOME" >&2; exit 2; }

# DJL's own build passes the same definitions: the 1.13-era variant API, and CUDA's allocator calls
defs=()
[[ $version =~ ^(1\.13\.|2\.0\.|2\.1\.) ]] && defs+=(-DPT_VERSION=V1_13_X)
[[ $flavor == cu* ]] && defs+=(-DUSE_CUDA=1)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/djl-pytorch-native/." "$work/"
src=$work/engines/pytorch/pytorch-native
# CMakeLists.txt takes the generated header from build/include beside it, as DJL's build.sh leaves it
mkdir -p "$src/build/include"
cp "$DJL_JNI_HEADERS"/*.h "$src/build/include/"

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# TorchConfig finds c10 with find_library(... PATHS <torch>/lib), which CMake searches after the
# system's folders: on a host that also has a system libtorch (Debian's libtorch-dev) a wheel's
# build linked that c10 too, and two c10s in one process keep two grad modes. The torch folder
# first in the prefix path puts its lib/ before the system's.
root=$(cd "$prefix/../.." && pwd)
# FindJNI looks for a JDK; the jlinked runtime has the headers and libjvm, not the AWT parts
cmake -S "$src" -B "$work/out" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$root;$prefix" "${defs[@]}" \
  -DJAVA_HOME="$JAVA_HOME" -DJAVA_INCLUDE_PATH="$JAVA_HOME/include" \
  -DJAVA_INCLUDE_PATH2="$JAVA_HOME/include/linux" \
  -DJAVA_JVM_LIBRARY="$(find "$JAVA_HOME/lib" -name libjvm.so | head -n 1)" >&2
cmake --build "$work/out" --parallel "${JNI_BUILD_JOBS:-$(nproc)}" >&2
mkdir -p "$(dirname "$out")"
cp "$work/out/libdjl_torch.so" "$out.tmp"
mv "$out.tmp" "$out"
echo "built $out against libtorch $version ($flavor)" >&2
