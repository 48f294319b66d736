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
RUN groupadd --system --gid 10001 flowwatch \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin flowwatch
COPY --from=build /src/streams-app/target/flowpp-streams.jar /opt/flowwatch/flowpp-streams.jar
COPY --from=build /src/trainer/target/flowpp-trainer.jar /opt/flowwatch/flowpp-trainer.jar
# DJL must never download at run time: natives from the jar, cache on the /tmp volume.
ENV DJL_CACHE_DIR=/tmp/djl \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp -Dai.djl.offline=true" \
    # glibc keeps the memory of each layer's freed tensors for the next layer instead of handing
    # it back to the kernel: ~30 % of CPU scoring speed (README, "Results: scale")
    MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_MMAP_THRESHOLD_=4000000000
USER 10001:10001
EXPOSE 9400
ENTRYPOINT ["java", "-jar", "/opt/flowwatch/flowpp-streams.jar"]
CMD ["run", "--config", "/etc/flowwatch/flowwatch.properties"]
