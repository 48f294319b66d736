# syntax=docker/dockerfile:1
# flowwatch GPU image: the same jars on CUDA 12.8 with libtorch 2.7.1 (cu128), which DJL loads
# instead of the CPU natives in the jar because PYTORCH_LIBRARY_PATH and PYTORCH_FLAVOR=cu128 say so
# (the pytorch-jni jar already carries the cu128 binding).
#
#   docker build -f k8s/images/gpu.Dockerfile -t flowwatch-gpu:0.1.0 .     (from the repository root)
#
# libtorch is downloaded from the PyTorch site while the image is built, never at run time.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY schemas schemas
COPY flowpp flowpp
COPY trainer trainer
COPY streams-app streams-app
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package

FROM ubuntu:22.04 AS libtorch
ARG LIBTORCH_URL=https://download.pytorch.org/libtorch/cu128/libtorch-cxx11-abi-shared-with-deps-2.7.1%2Bcu128.zip
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl unzip \
    && curl -fsSL -o /tmp/libtorch.zip "$LIBTORCH_URL" \
    && unzip -q /tmp/libtorch.zip -d /opt \
    && rm /tmp/libtorch.zip \
    && test -f /opt/libtorch/lib/libtorch_cuda.so

FROM eclipse-temurin:17-jre-jammy AS jre

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
COPY --from=libtorch /opt/libtorch /opt/libtorch
RUN groupadd --system --gid 10001 flowwatch \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin flowwatch
COPY --from=build /src/streams-app/target/flowpp-streams.jar /opt/flowwatch/flowpp-streams.jar
COPY --from=build /src/trainer/target/flowpp-trainer.jar /opt/flowwatch/flowpp-trainer.jar
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:$PATH \
    PYTORCH_LIBRARY_PATH=/opt/libtorch/lib \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cu128 \
    LD_LIBRARY_PATH=/opt/libtorch/lib:/usr/local/nvidia/lib:/usr/local/nvidia/lib64 \
    DJL_CACHE_DIR=/tmp/djl \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp -Dai.djl.offline=true" \
    # glibc keeps the memory of each layer's freed tensors for the next layer instead of handing
    # it back to the kernel: ~30 % of CPU scoring speed (README, "Results: scale")
    MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_MMAP_THRESHOLD_=4000000000
USER 10001:10001
EXPOSE 9400
ENTRYPOINT ["java", "-jar", "/opt/flowwatch/flowpp-streams.jar"]
CMD ["run", "--config", "/etc/flowwatch/flowwatch.properties"]
