package dev.flowwatch.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.streams.FlowwatchApp;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.demo.DemoData;
import dev.flowwatch.streams.demo.DemoTraffic;
import dev.flowwatch.streams.demo.TrafficKind;
import dev.flowwatch.streams.demo.TrafficProducer;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The start waits for what Kafka Streams needs, and the probes say what is wrong, against the
 * embedded broker: cases that used to crash-loop the pod or leave it stuck behind a healthy {@code
 * /healthz}.
 */
class StartupAndHealthTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir static Path dir;
    static EmbeddedKafka kafka;
    static Path bundle;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        bundle = TinyBundle.write(dir.resolve("model"));
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void startWaitsForUnreachableBrokersAndSaysSoOnReady() throws Exception {
        int port = freePort();
        Map<String, String> settings = settings("unreachable", port);
        settings.put("bootstrap.servers", "127.0.0.1:" + freePort());
        Start start = startInBackground(settings);

        HttpResponse<String> ready =
                await(port, "/ready", r -> r.body().contains("cannot list the topics"));
        assertEquals(503, ready.statusCode());
        assertTrue(ready.body().contains("bootstrap.servers"), ready.body());
        assertEquals(200, get(port, "/healthz").statusCode(), "waiting is healthy");

        start.thread().interrupt();
        ExecutionException e =
                assertThrows(ExecutionException.class, () -> start.app().get(30, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertThrows(
                ConnectException.class, () -> get(port, "/ready"), "the server is closed again");
    }

    @Test
    void startWaitsForAMissingOutputTopicNamesItAndGoesOnOnceItExists() throws Exception {
        String alerts = "alerts-" + System.nanoTime();
        kafka.createTopics(1, List.of("images-m", "scores-m", "dlq-m"));
        int port = freePort();
        Map<String, String> settings = settings("missing", port);
        settings.put("topics.create", "false");
        settings.put("topic.images", "images-m");
        settings.put("topic.scores", "scores-m");
        settings.put("topic.alerts", alerts);
        settings.put("topic.dlq", "dlq-m");
        Start start = startInBackground(settings);

        HttpResponse<String> ready = await(port, "/ready", r -> r.body().contains(alerts));
        assertEquals(503, ready.statusCode());
        assertTrue(ready.body().contains("topics.create=true"), ready.body());
        // what an alert sees of it: the app reads nothing, so no lag or score says so
        assertTrue(get(port, "/metrics").body().contains("\nflowwatch_ready 0.0\n"));

        kafka.createTopics(1, List.of(alerts));
        try (FlowwatchApp app = start.app().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            await(port, "/ready", r -> r.statusCode() == 200);
            assertTrue(get(port, "/metrics").body().contains("\nflowwatch_ready 1.0\n"));
        }
    }

    /**
     * Stream threads that die on every record (here: a scores topic that takes no record, which
     * fails the task since a score is never skipped) used to be replaced forever behind a healthy
     * {@code /healthz}.
     */
    @Test
    void threadsThatKeepDyingTurnHealthzUnhealthy() throws Exception {
        int port = freePort();
        Map<String, String> settings = settings("dying", port);
        settings.put("topic.images", "images-d");
        settings.put("topic.scores", "scores-d");
        settings.put("topic.alerts", "alerts-d");
        settings.put("topic.dlq", "dlq-d");
        settings.put("batch.max.size", "1");
        settings.put("health.max-thread-replacements", "2");
        kafka.createTopic("scores-d", 1, Map.of("max.message.bytes", "128"));
        try (FlowwatchApp app =
                startInBackground(settings).app().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            assertEquals(200, get(port, "/healthz").statusCode());
            DemoData data = DemoData.load(Path.of("..", "data"));
            DemoTraffic traffic =
                    new DemoTraffic(
                            data.replay(),
                            data.digits(),
                            new DemoTraffic.Mix(0, 0),
                            1,
                            Clock.systemUTC());
            try (TrafficProducer producer =
                    new TrafficProducer(kafka.bootstrapServers(), "images-d")) {
                producer.send(traffic.next(TrafficKind.NORMAL));
                producer.flush();
            }

            HttpResponse<String> health = await(port, "/healthz", r -> r.statusCode() == 503);
            assertTrue(health.body().contains("stream threads died"), health.body());
        }
    }

    private static Map<String, String> settings(String name, int port) {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("application.id", "startup-" + name);
        settings.put("model.dir", bundle.toString());
        settings.put("state.dir", dir.resolve("state-" + name).toString());
        settings.put("metrics.port", Integer.toString(port));
        settings.put("threshold.bpd", "1e9");
        settings.put("batch.max.delay.ms", "50");
        return settings;
    }

    /** An app starting on a thread of its own. */
    private record Start(Thread thread, CompletableFuture<FlowwatchApp> app) {}

    private static Start startInBackground(Map<String, String> settings) {
        CompletableFuture<FlowwatchApp> start = new CompletableFuture<>();
        Thread starter =
                new Thread(
                        () -> {
                            try {
                                start.complete(
                                        FlowwatchApp.start(
                                                AppConfig.load(null, Map.of(), settings)));
                            } catch (RuntimeException e) {
                                start.completeExceptionally(e);
                            }
                        },
                        "app-start");
        starter.start();
        return new Start(starter, start);
    }

    /** Polls {@code path} until an answer passes {@code wanted}. */
    private HttpResponse<String> await(
            int port, String path, Predicate<HttpResponse<String>> wanted) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = get(port, path);
                if (wanted.test(last)) {
                    return last;
                }
            } catch (ConnectException e) {
                // not serving yet: the model is still loading
            }
            Thread.sleep(200);
        }
        throw new AssertionError(
                path + " never answered as wanted; last: " + (last == null ? null : last.body()));
    }

    private HttpResponse<String> get(int port, String path)
            throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
