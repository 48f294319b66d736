#!/usr/bin/env bash
# Builds gpu-kit/ and its archive gpu-kit.tar.xz: what flowwatch needs on a GPU host that has
# PyTorch but no JDK and no network (README, "GPUs"). Only the libtorch is the host's: run-gpu.sh
# builds DJL's JNI library against it there, once, from the sources in the kit.
#
#   scripts/gpu-kit.sh      # then, on the host: tar -xJf gpu-kit.tar.xz && gpu-kit/run-gpu.sh ...
#
# gpu-kit/
#   runtime/   a jlinked Java 17 with only the modules the jars use (and jni.h for the JNI build)
#   lib/       the streams app's shaded jar and the trainer's own classes (its dependencies are a
#              subset of the app's), without DJL's CPU libtorch and JNI, without other platforms'
#              native libraries, stored uncompressed so that xz compresses the archive well
#   jni/       DJL's JNI sources for the pom's DJL version, its generated header, build-jni.sh
#   run-gpu.sh, bench-gpu.sh, profile-ops.py, KIT.txt
# The images and the model come from the repository's data/ beside the kit. Fails when the archive
# exceeds KIT_BUDGET_MB (default 42): a GPU host takes 64 MiB in all, the repository included (about
# 16 MiB, a third of it the bundled model's calibration with its 22 000 reference shapes).
set -euo pipefail
cd "$(dirname "$0")/.."
kit=gpu-kit
budget_mb=${KIT_BUDGET_MB:-42}
vendored=scripts/gpu/djl-pytorch-native

djl=$(sed -n 's:.*<djl.version>\(.*\)</djl.version>.*:\1:p' pom.xml)
pinned=$(sed -n 's/^version: //p' "$vendored/SOURCE")
if [ "$djl" != "$pinned" ]; then
  echo "the pom uses DJL $djl but $vendored holds the JNI sources of $pinned: vendor $djl's" >&2
  exit 1
fi

rm -rf "$kit" "$kit.tar.xz"
mkdir -p "$kit/lib" "$kit/jni"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "jars ..." >&2
mvn -B -q -DskipTests -pl trainer,streams-app -am package >&2
# Left out: DJL's CPU libtorch and JNI (run-gpu.sh supplies the host's), other platforms' native
# libraries, and the dependencies' module descriptors (meaningless in a shaded jar; jdeps would
# take the jar for a module)
mkdir "$tmp/app"
unzip -q streams-app/target/flowpp-streams.jar -d "$tmp/app"
rm -rf "$tmp/app/pytorch" "$tmp/app/jnilib" "$tmp/app/native/lib"
find "$tmp/app" -name module-info.class -delete
find "$tmp/app" -type f -regextype egrep -regex '.*\.(so|dll|dylib|jnilib|a)(\.[0-9]+)*' |
  { grep -Ev '/(linux-x86-64|Linux/x86_64|linux/amd64)/[^/]+\.so$|/librocksdbjni-linux64\.so$' || true; } |
  xargs -r rm -f
(cd "$tmp/app" && zip -q -0 -r -X "$OLDPWD/$kit/lib/flowpp-streams.jar" .)
cp trainer/target/flowpp-trainer-*-SNAPSHOT.jar "$kit/lib/flowpp-trainer.jar"

echo "JNI header for DJL $djl ..." >&2
mvn -B -q dependency:copy -Dartifact="ai.djl.pytorch:pytorch-engine:$djl:jar:sources" \
  -DoutputDirectory="$tmp" >&2
(cd "$tmp" && unzip -q "pytorch-engine-$djl-sources.jar" 'ai/djl/pytorch/jni/PyTorchLibrary.java')
javac -h "$kit/jni/include" -d "$tmp/classes" -cp "$kit/lib/flowpp-streams.jar" \
  "$tmp/ai/djl/pytorch/jni/PyTorchLibrary.java"
cp -r "$vendored" scripts/gpu/build-jni.sh "$kit/jni/"

echo "Java runtime ..." >&2
# jdeps finds what the code names; the rest are loaded by name at run time: TLS's elliptic curves
# for Kafka over SSL, JMX for the JVM metrics, the SASL/GSSAPI login of Kafka clients, and Flight
# Recorder (JAVA_OPTS=-XX:StartFlightRecording=...) to see where a GPU host's CPU time goes
modules=$( {
  jdeps --multi-release 17 --ignore-missing-deps --print-module-deps "$kit"/lib/*.jar | tr ',' '\n'
  printf '%s\n' jdk.crypto.ec jdk.management jdk.security.auth jdk.security.jgss jdk.jfr
} | sort -u | paste -sd, -)
# uncompressed, for the same reason as the jars
jlink --add-modules "$modules" --strip-debug --no-man-pages --compress=0 --output "$kit/runtime"

cp scripts/gpu/run-gpu.sh scripts/bench-gpu.sh scripts/profile-ops.py "$kit/"
{
  echo "flowwatch GPU kit"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo '+changes')"
  echo "built: $(date -u +%FT%TZ)"
  echo "djl: $djl"
  echo "java: $("$kit/runtime/bin/java" -version 2>&1 | sed -n 1p)"
  echo "modules: $modules"
} > "$kit/KIT.txt"

echo "archive ..." >&2
tar -cf - "$kit" | xz -T0 -6 > "$kit.tar.xz"
folder_mb=$(( $(du -sb "$kit" | cut -f1) / 1048576 ))
archive_mb=$(( $(stat -c %s "$kit.tar.xz") / 1048576 ))
echo "{\"kit\": \"$kit\", \"folder_mb\": $folder_mb, \"archive\": \"$kit.tar.xz\"," \
  "\"archive_mb\": $archive_mb, \"budget_mb\": $budget_mb}"
if [ "$archive_mb" -gt "$budget_mb" ]; then
  echo "$kit.tar.xz is $archive_mb MiB, over its budget of $budget_mb MiB" >&2
  exit 1
fi
