package dev.flowwatch.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.ImageEvents;
import dev.flowwatch.streams.DyingOnWhiteApp;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.embedded.EmbeddedKafka;
import dev.flowwatch.streams.topology.DeadLetters;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An event whose forward pass ends the process (a native crash) no longer crash-loops the scorer:
 * the restarted process scores the events of the pass it died in one at a time, and gives up the
 * one it keeps dying with once it has died with it {@code scoring.max-attempts} times. Real
 * processes (killed by {@code Runtime.halt} in the pass), a real broker, exactly-once.
 */
class ProcessDeathTest {

    private static final int EVENTS = 12;
    private static final int WHITE = 5;
    private static final int MAX_ATTEMPTS = 2;

    @TempDir Path dir;

    @Test
    void anEventThatKillsTheProcessGoesToTheDeadLetterTopicAndTheRestAreScoredOnce()
            throws Exception {
        Path bundle = TinyBundle.write(dir.resolve("model"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            kafka.createTopics(
                    1, List.of("images", "anomaly-scores", "anomaly-alerts", "images.dlq"));
            List<String> normal = send(kafka);
            Path config = config(kafka, bundle);

            List<Integer> exits = new ArrayList<>();
            Process app = null;
            try {
                // each death ends a process; the one that survives gives every event its outcome
                for (int start = 1; start <= MAX_ATTEMPTS + 1; start++) {
                    app = start(config, start);
                    if (start <= MAX_ATTEMPTS) {
                        assertTrue(
                                app.waitFor(120, TimeUnit.SECONDS),
                                "the process dies in the pass; log: " + log(start));
                        exits.add(app.exitValue());
                    }
                }
                assertEquals(List.of(DyingOnWhiteApp.DEATH, DyingOnWhiteApp.DEATH), exits);

                List<String> scored =
                        CommittedReader.scoredEventIds(
                                kafka.bootstrapServers(),
                                normal.size(),
                                Duration.ofSeconds(3),
                                Duration.ofSeconds(120));
                assertEquals(
                        normal.stream().sorted().toList(),
                        scored,
                        "every other event scored once; log: " + log(MAX_ATTEMPTS + 1));
                List<ConsumerRecord<byte[], byte[]>> dead =
                        CommittedReader.read(
                                kafka.bootstrapServers(),
                                "images.dlq",
                                1,
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(30));
                assertEquals(1, dead.size());
                assertEquals("SCORING_FAILED", header(dead.get(0), DeadLetters.HEADER_REASON));
                assertEquals(
                        Integer.toString(WHITE), header(dead.get(0), DeadLetters.HEADER_OFFSET));
                String detail = header(dead.get(0), DeadLetters.HEADER_DETAIL);
                assertTrue(detail.contains("ended " + MAX_ATTEMPTS + " times"), detail);
                assertTrue(app.isAlive(), "the last process keeps running");
            } finally {
                if (app != null) {
                    app.destroy();
                    if (!app.waitFor(30, TimeUnit.SECONDS)) {
                        app.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    }
                }
            }
        }
    }

    /** {@value #EVENTS} events in one burst, the white one at offset {@value #WHITE}. */
    private static List<String> send(EmbeddedKafka kafka) {
        var serializer = FlowwatchSerdes.imageEvent().serializer();
        byte[] white = new byte[TestModels.SIZE * TestModels.SIZE];
        Arrays.fill(white, (byte) 255);
        List<String> normal = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(
                        Map.of("bootstrap.servers", kafka.bootstrapServers()),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            for (int i = 0; i < EVENTS; i++) {
                ImageEvent event =
                        i == WHITE
                                ? ImageEvents.rawU8(
                                        "white",
                                        "camera-1",
                                        Instant.now(),
                                        TestModels.SIZE,
                                        TestModels.SIZE,
                                        1,
                                        white)
                                : TestModels.event("e" + i, i);
                if (i != WHITE) {
                    normal.add(event.getId());
                }
                producer.send(
                        new ProducerRecord<>(
                                "images",
                                event.getId().getBytes(StandardCharsets.UTF_8),
                                serializer.serialize("images", event)));
            }
            producer.flush();
        }
        return normal;
    }

    /** One batch holds every event, so the first process dies with all of them in its pass. */
    private Path config(EmbeddedKafka kafka, Path bundle) throws IOException {
        Path config = dir.resolve("app.properties");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "bootstrap.servers=" + kafka.bootstrapServers(),
                        "application.id=process-death-it",
                        "model.dir=" + bundle,
                        "state.dir=" + dir.resolve("state"),
                        "metrics.port=0",
                        "threshold.bpd=1e9",
                        "batch.max.size=" + EVENTS,
                        "batch.max.delay.ms=2000",
                        "scoring.max-attempts=" + MAX_ATTEMPTS,
                        "topics.create=false",
                        // a dead member leaves the group only after the session timeout
                        "kafka.session.timeout.ms=6000"));
        return config;
    }

    private Process start(Path config, int start) throws IOException {
        return ChildJvm.start(
                dir.resolve("app-" + start + ".log"),
                DyingOnWhiteApp.class.getName(),
                config.toString());
    }

    private String log(int start) throws IOException {
        Path log = dir.resolve("app-" + start + ".log");
        return Files.exists(log) ? Files.readString(log) : "(none)";
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
