#!/usr/bin/env bash
# Prints the allocator settings for a JVM that scores with flowpp, as NAME=value words:
#   env $(scripts/scoring-malloc.sh) java ...        export $(scripts/scoring-malloc.sh)
# flowpp frees each layer's tensors as soon as the next layer has its input; an allocator that
# hands that memory back to the kernel faults it in again for the next layer (README, "Results:
# scale"). jemalloc with its decay off keeps it, and its size classes keep the peak from creeping
# up with the number of images (glibc's arenas fragment); where Debian's libjemalloc2 is not
# installed, glibc is told to keep it instead.
jemalloc=$(ls /usr/lib/*-linux-gnu/libjemalloc.so.2 2>/dev/null | head -n 1)
if [ -n "$jemalloc" ]; then
  echo "LD_PRELOAD=$jemalloc MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1"
else
  echo "MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_MMAP_THRESHOLD_=4000000000"
fi
