# syntax=docker/dockerfile:1
# flowwatch CPU image: the streams app (entry point) and the trainer jar on a JRE. The PyTorch CPU
# natives travel inside the jars (pytorch-native-cpu); DJL unpacks them into DJL_CACHE_DIR at start.
#
#   docker build -f k8s/images/cpu.Dockerfile -t flowwatch-cpu:0.1.0 .     (from the repository root)
#
# Read-only root filesystem: everything written at run time goes to /tmp (an emptyDir in k8s/) and
# the state directory (a volume); the pod spec mounts both.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY schemas schemas
COPY flowpp flowpp
COPY trainer trainer
COPY streams-app streams-app
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre-jammy
RUN apt-get update && apt-get install -y --no-install-recommends libjemalloc2 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 flowwatch \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin flowwatch
COPY --from=build /src/streams-app/target/flowpp-streams.jar /opt/flowwatch/flowpp-streams.jar
COPY --from=build /src/trainer/target/flowpp-trainer.jar /opt/flowwatch/flowpp-trainer.jar
# DJL must never download at run time: natives from the jar, cache on the /tmp volume.
ENV DJL_CACHE_DIR=/tmp/djl \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp -Dai.djl.offline=true" \
    # jemalloc without decay keeps the memory of each layer's freed tensors for the next layer,
    # and its peak does not creep up with the images scored (scripts/flowpp-malloc.sh; README,
    # "Results: scale"); `small` also trains a third faster with it; for `paper` training it was
    # not measured (env -u LD_PRELOAD -u MALLOC_CONF gives glibc's defaults)
    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 \
    MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1
USER 10001:10001
EXPOSE 9400
ENTRYPOINT ["java", "-jar", "/opt/flowwatch/flowpp-streams.jar"]
CMD ["run", "--config", "/etc/flowwatch/flowwatch.properties"]
