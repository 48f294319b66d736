#!/usr/bin/env bash
# Prints the allocator settings for a JVM that runs flowpp, as NAME=value words:
#   env $(scripts/flowpp-malloc.sh) java ...          a JVM that scores (the demo, the streams app)
#   env $(scripts/flowpp-malloc.sh train) java ...    a trainer
# flowpp frees each layer's tensors as soon as the next layer has its input; an allocator that
# hands that memory back to the kernel faults it in again for the next layer (README, "Results:
# scale"). jemalloc with its decay off keeps it, and its size classes keep the peak from creeping
# up with the number of images (glibc's arenas fragment). Where Debian's libjemalloc2 is not
# installed, glibc is told to keep freed memory when scoring; a trainer then gets glibc's defaults,
# since those settings fragment a training step's heap (README, "Memory").
set -euo pipefail
jemalloc=$(ls /usr/lib/*-linux-gnu/libjemalloc.so.2 2>/dev/null | head -n 1 || true)
if [ -n "$jemalloc" ]; then
  echo "LD_PRELOAD=$jemalloc MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1"
elif [ "${1:-score}" != train ]; then
  echo "MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_MMAP_THRESHOLD_=4000000000"
fi
