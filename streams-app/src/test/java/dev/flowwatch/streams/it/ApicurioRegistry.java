package dev.flowwatch.streams.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Apicurio Registry 2.x server in a child JVM, unpacked by the build from Maven Central
 * ({@code flowwatch.apicurio.dir}). One per test JVM, started on first use and stopped when the JVM
 * ends, since it takes about 13 s to start. Its H2 database lives in a file, so that a test can
 * stop it and start it again with every schema and id kept, as a restarted registry would have
 * them.
 */
final class ApicurioRegistry {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static ApicurioRegistry shared;

    private final Path home;
    private final Path data;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;

    private ApicurioRegistry(Path home, Path data, int port) {
        this.home = home;
        this.data = data;
        this.port = port;
    }

    /** The registry of this JVM, started if it is not running. */
    static synchronized ApicurioRegistry shared() {
        if (shared == null) {
            Path home =
                    Path.of(
                            System.getProperty(
                                    "flowwatch.apicurio.dir", "target/apicurio-registry"));
            try {
                shared =
                        new ApicurioRegistry(
                                home,
                                Files.createTempDirectory("apicurio-registry-data"),
                                freePort());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "apicurio-stop"));
        }
        if (!shared.isRunning()) {
            shared.start();
        }
        return shared;
    }

    /** The Confluent-compatible API, as Confluent-style clients are given it. */
    String confluentUrl() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    /** Apicurio's own API, as its serdes are given it. */
    String apicurioUrl() {
        return "http://127.0.0.1:" + port + "/apis/registry/v2";
    }

    synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the server and waits until its Confluent-compatible API answers. */
    synchronized void start() {
        Path jar = home.resolve("apicurio-registry-app-2.6.13.Final-runner.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar + " is missing: the build unpacks it (mvn process-test-resources)");
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        try {
            process =
                    new ProcessBuilder(
                                    List.of(
                                            java.toString(),
                                            "-Xmx384m",
                                            "-XX:TieredStopAtLevel=1",
                                            "-Dquarkus.http.port=" + port,
                                            "-Dquarkus.http.host=127.0.0.1",
                                            "-Dquarkus.management.enabled=false",
                                            "-Dquarkus.datasource.jdbc.url=jdbc:h2:file:"
                                                    + data.resolve("registry"),
                                            "-jar",
                                            jar.toString()))
                            .directory(home.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(
                                    ProcessBuilder.Redirect.appendTo(
                                            new File(data.toFile(), "registry.log")))
                            .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + jar, e);
        }
        awaitReady();
    }

    /** Stops the server; its schemas stay in its database for the next start. */
    synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        HttpRequest subjects =
                HttpRequest.newBuilder(URI.create(confluentUrl() + "/subjects"))
                        .timeout(Duration.ofSeconds(2))
                        .build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "The registry exited with " + process.exitValue() + "; see " + log());
            }
            try {
                if (http.send(subjects, HttpResponse.BodyHandlers.discarding()).statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the registry started", e);
            }
            sleep();
        }
        throw new IllegalStateException(
                "The registry did not answer within " + START_TIMEOUT + "; see " + log());
    }

    private Path log() {
        return data.resolve("registry.log");
    }

    private static void sleep() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
