package dev.flowwatch.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.streams.FlowppStreams;
import dev.flowwatch.streams.bench.ChaosRun;
import dev.flowwatch.streams.bench.Outcomes;
import dev.flowwatch.streams.demo.DemoData;
import dev.flowwatch.streams.demo.DemoRecord;
import dev.flowwatch.streams.demo.DemoTraffic;
import dev.flowwatch.streams.demo.TrafficKind;
import dev.flowwatch.streams.demo.TrafficProducer;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The app is killed (SIGKILL) while a batch is pending: its events were consumed and their input
 * offsets committed, but none is scored yet. A restarted app must score each of them exactly once.
 * And killed again and again at random moments under steady input, it still scores every event
 * exactly once ({@link ChaosRun}; {@code scripts/chaos.sh} runs it with more kills).
 */
class CrashRecoveryTest {

    private static final String APP_ID = "crash-it";
    private static final int EVENTS = 30;

    /**
     * More than {@link #EVENTS}, so the batch never fills before the crash; and modest, since the
     * engine warms up with a batch of this size and a forward pass holds all its intermediate
     * arrays (a batch of 1000 took the child JVM past 20 GB of native memory).
     */
    private static final int BATCH_SIZE = 64;

    @TempDir Path dir;

    @Test
    void abruptCrashWithPendingBatchScoresEveryEventExactlyOnce() throws Exception {
        DemoData data = DemoData.load(Path.of("..", "data"));
        Path bundle = TinyBundle.write(dir.resolve("model"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            kafka.createTopics(
                    1, List.of("images", "anomaly-scores", "anomaly-alerts", "images.dlq"));
            // a batch that neither fills nor times out before the crash
            Process first = startApp(kafka, bundle, "first", BATCH_SIZE, 60_000);
            Process second = null;
            try {
                DemoTraffic traffic =
                        new DemoTraffic(
                                data.replay(),
                                data.digits(),
                                new DemoTraffic.Mix(0, 0),
                                3,
                                Clock.systemUTC());
                List<DemoRecord> sent = new ArrayList<>();
                try (TrafficProducer producer =
                        new TrafficProducer(kafka.bootstrapServers(), "images")) {
                    for (int i = 0; i < EVENTS; i++) {
                        DemoRecord r = traffic.next(TrafficKind.NORMAL);
                        producer.send(r);
                        sent.add(r);
                    }
                    producer.flush();
                }
                awaitInputCommitted(kafka, EVENTS, first);
                assertTrue(
                        CommittedReader.read(
                                        kafka.bootstrapServers(),
                                        "anomaly-scores",
                                        1,
                                        Duration.ZERO,
                                        Duration.ofSeconds(1))
                                .isEmpty(),
                        "the batch is still pending before the crash");
                first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

                second = startApp(kafka, bundle, "second", BATCH_SIZE, 200);
                List<String> scored =
                        CommittedReader.scoredEventIds(
                                kafka.bootstrapServers(),
                                EVENTS,
                                Duration.ofSeconds(3),
                                Duration.ofSeconds(90));
                assertEquals(
                        sent.stream().map(DemoRecord::eventId).sorted().toList(),
                        scored,
                        "each event scored exactly once; child log: " + dir.resolve("second.log"));
            } finally {
                first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                if (second != null) {
                    second.destroy();
                    if (!second.waitFor(30, TimeUnit.SECONDS)) {
                        second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    }
                }
            }
        }
    }

    @Test
    void repeatedKillsUnderSteadyMixedInputGiveEveryEventExactlyOneOutcome() throws Exception {
        ChaosRun.Figures figures =
                ChaosRun.run(dir.resolve("chaos"), null, 3, 5, 4, 1_500, 42, System.out);

        Outcomes.Tally tally = figures.tally();
        assertTrue(tally.eventsSent() > 0);
        assertTrue(tally.malformedSent() > 0);
        assertEquals(0, tally.lost(), figures.json());
        assertEquals(0, tally.duplicated(), figures.json());
        assertEquals(0, tally.misrouted(), figures.json());
        assertEquals(tally.eventsSent(), tally.scored(), figures.json());
        assertEquals(tally.malformedSent(), tally.deadLetters(), figures.json());
        assertEquals(3, figures.recoverySeconds().size());
    }

    private Process startApp(
            EmbeddedKafka kafka, Path bundle, String name, int batchSize, long delayMs)
            throws IOException {
        Path config = dir.resolve(name + ".properties");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "bootstrap.servers=" + kafka.bootstrapServers(),
                        "application.id=" + APP_ID,
                        "model.dir=" + bundle,
                        "state.dir=" + dir.resolve("state-" + name),
                        "metrics.port=0",
                        "threshold.bpd=1e9",
                        "batch.max.size=" + batchSize,
                        "batch.max.delay.ms=" + delayMs,
                        "topics.create=false",
                        // the killed member never leaves the group: the broker drops it after the
                        // session
                        // timeout (45 s by default, 6 s the broker's minimum) and only then hands
                        // its task on
                        "kafka.session.timeout.ms=6000"));
        return ChildJvm.start(
                dir.resolve(name + ".log"),
                FlowppStreams.class.getName(),
                "run",
                "--config",
                config.toString());
    }

    /** Waits until the app's group has committed the input offsets past every event. */
    private void awaitInputCommitted(EmbeddedKafka kafka, long events, Process app)
            throws Exception {
        TopicPartition input = new TopicPartition("images", 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            while (System.nanoTime() < deadline) {
                if (!app.isAlive()) {
                    throw new AssertionError(
                            "the app exited with "
                                    + app.exitValue()
                                    + "; log: "
                                    + Files.readString(dir.resolve("first.log")));
                }
                OffsetAndMetadata committed =
                        admin.listConsumerGroupOffsets(APP_ID)
                                .partitionsToOffsetAndMetadata()
                                .get()
                                .get(input);
                if (committed != null && committed.offset() >= events) {
                    return;
                }
                Thread.sleep(200);
            }
        }
        throw new AssertionError(
                "input offsets never committed; log: "
                        + Files.readString(dir.resolve("first.log")));
    }
}
