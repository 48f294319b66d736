package dev.flowwatch.streams.bench;

import dev.flowwatch.streams.FlowppStreams;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The app as a child JVM running the {@code run} command, configured for the runs that kill it
 * ({@link ChaosRun}) or watch it ({@link SoakRun}), its output in {@code log}.
 */
record AppChild(Process process, Path log) {

    static final String APP_ID = "flowwatch-bench";

    /**
     * @param index numbers the log, {@code app-<index>.log}
     * @param jvmOptions options for the child's JVM beyond those every run needs
     */
    static AppChild start(
            Path work, EmbeddedKafka kafka, Path bundle, int index, List<String> jvmOptions)
            throws IOException {
        Path config = work.resolve("app.properties");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "bootstrap.servers=" + kafka.bootstrapServers(),
                        "application.id=" + APP_ID,
                        "model.dir=" + bundle,
                        // kept across restarts, as a pod's volume is
                        "state.dir=" + work.resolve("state"),
                        "metrics.port=0",
                        "threshold.bpd=1e9",
                        "batch.max.size=16",
                        "batch.max.delay.ms=100",
                        "topics.create=false",
                        // a killed member never leaves the group: its task moves on after
                        // the session timeout (6 s is the broker's minimum)
                        "kafka.session.timeout.ms=6000"));
        Path log = work.resolve("app-" + index + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-XX:+ExitOnOutOfMemoryError"));
        command.addAll(jvmOptions);
        command.addAll(
                List.of(
                        "-Dai.djl.offline=true",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                        FlowppStreams.class.getName(),
                        "run",
                        "--config",
                        config.toString()));
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        // a child outlives its parent unless told: a run stopped early leaves no app behind
        Runtime.getRuntime()
                .addShutdownHook(new Thread(process::destroyForcibly, "app-child-reaper"));
        return new AppChild(process, log);
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, as Kubernetes stops a pod; SIGKILL if it does not stop in time. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            kill();
        }
    }

    void requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(
                    "the app exited with " + process.exitValue() + "; see " + log);
        }
    }
}
