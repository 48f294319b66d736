package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.InputComplexity;
import dev.flowwatch.flowpp.score.InputComplexity.Compressor;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.Severity;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.config.InvalidConfigException;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

class BatchingProcessorTest {

    @TempDir static Path bundles;
    static ScoringEngine engine;

    @TempDir Path stateDir;

    @BeforeAll
    static void loadModel() {
        engine = ScoringEngine.load(TestModels.tinyBundle(bundles), "cpu", 0, ScoreKind.BPD, 1);
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    @Test
    void batchingFlushesWhenBatchIsFull() {
        try (TopologyFixture f =
                new TopologyFixture(
                        engine,
                        stateDir,
                        Map.of("batch.max.size", "4", "batch.max.delay.ms", "60000"))) {
            for (int i = 0; i < 3; i++) {
                f.send("k" + i, TestModels.event("e" + i, i));
            }
            assertTrue(f.scores.isEmpty(), "a batch of 3 of 4 waits");
            assertEquals(3, f.pendingCount());

            f.send("k3", TestModels.event("e3", 3));

            assertEquals(4, f.scores.readRecordsToList().size());
            assertEquals(0, f.pendingCount());
            assertEquals(4.0, batchSizeSum(f.registry));
        }
    }

    @Test
    void batchingFlushesOldestAfterMaxDelay() {
        try (TopologyFixture f =
                new TopologyFixture(
                        engine,
                        stateDir,
                        Map.of("batch.max.size", "64", "batch.max.delay.ms", "50"))) {
            f.send("k0", TestModels.event("e0", 0));
            f.driver.advanceWallClockTime(Duration.ofMillis(20));
            f.send("k1", TestModels.event("e1", 1));
            f.driver.advanceWallClockTime(Duration.ofMillis(20));
            assertTrue(f.scores.isEmpty(), "nothing has waited 50 ms yet");

            f.driver.advanceWallClockTime(Duration.ofMillis(20));

            List<String> ids =
                    f.scores.readValuesToList().stream()
                            .map(s -> s.getEventId().toString())
                            .toList();
            assertEquals(
                    List.of("e0", "e1"),
                    ids,
                    "the due oldest takes the younger one along in its batch");
            assertEquals(0, f.pendingCount());
        }
    }

    @Test
    void everyValidEventGetsExactlyOneScoreWithItsKey() {
        try (TopologyFixture f =
                new TopologyFixture(
                        engine,
                        stateDir,
                        Map.of("batch.max.size", "8", "batch.max.delay.ms", "50"))) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 21; i++) {
                keys.add("key-" + i);
                f.send("key-" + i, TestModels.event("event-" + i, i));
                if (i % 5 == 0) {
                    f.images.pipeInput(
                            TopologyFixture.key("bad-" + i),
                            "not an event".getBytes(StandardCharsets.UTF_8));
                }
            }
            // The processor adds the real scoring time of each flush to the (here frozen) task
            // clock;
            // advance well past the delay plus that.
            f.driver.advanceWallClockTime(Duration.ofSeconds(60));
            f.driver.advanceWallClockTime(Duration.ofSeconds(60));

            List<TestRecord<byte[], AnomalyScore>> scored = f.scores.readRecordsToList();
            assertEquals(21, scored.size());
            Set<String> seen = new HashSet<>();
            for (TestRecord<byte[], AnomalyScore> r : scored) {
                String key = new String(r.key(), StandardCharsets.UTF_8);
                assertEquals(key.replace("key-", "event-"), r.value().getEventId().toString());
                assertTrue(seen.add(key), "scored twice: " + key);
            }
            assertEquals(new HashSet<>(keys), seen);
            assertEquals(5, f.dlq.getQueueSize());
        }
    }

    @Test
    void repartitionedEventsAreBatchedAndScoredOnce() {
        try (TopologyFixture f =
                new TopologyFixture(
                        engine,
                        stateDir,
                        Map.of(
                                "batching.partitions",
                                "2",
                                "batch.max.size",
                                "5",
                                "batch.max.delay.ms",
                                "60000"))) {
            for (int i = 0; i < 5; i++) {
                f.send("k" + i, TestModels.event("e" + i, i));
            }

            List<String> keys =
                    f.scores.readKeyValuesToList().stream()
                            .map(kv -> new String(kv.key, StandardCharsets.UTF_8))
                            .toList();
            assertEquals(List.of("k0", "k1", "k2", "k3", "k4"), keys);
            assertEquals(5.0, batchSizeSum(f.registry), "one full batch");
        }
    }

    @Test
    void alertsOnlyAboveThreshold() {
        ImageEvent event = TestModels.event("e", 7);
        double bpd = engine.score(List.of(TestModels.pixels(7))).bounds().elboBitsPerDim()[0];

        try (TopologyFixture below =
                new TopologyFixture(
                        engine,
                        stateDir.resolve("below"),
                        Map.of(
                                "batch.max.size",
                                "1",
                                "threshold.bpd",
                                Double.toString(bpd - 0.01)))) {
            below.send("k", event);
            AnomalyScore score = below.scores.readValue();
            assertEquals(bpd, score.getScore(), 1e-9);
            assertTrue(score.getIsAnomaly());
            TestRecord<byte[], AnomalyAlert> alert = below.alerts.readRecord();
            assertArrayEquals(TopologyFixture.key("k"), alert.key());
            assertEquals(Severity.LOW, alert.value().getSeverity());
            assertEquals("e", alert.value().getEventId().toString());
        }
        try (TopologyFixture above =
                new TopologyFixture(
                        engine,
                        stateDir.resolve("above"),
                        Map.of(
                                "batch.max.size",
                                "1",
                                "threshold.bpd",
                                Double.toString(bpd + 0.01)))) {
            above.send("k", event);
            assertFalse(above.scores.readValue().getIsAnomaly());
            assertTrue(above.alerts.isEmpty());
        }
    }

    @Test
    void calibratedBundleGivesEveryScoreItsPValue() throws IOException {
        Path bundle = bundles.resolve("tiny-bundle");
        int n = 20;
        List<byte[]> normals = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            normals.add(TestModels.pixels(100 + i));
        }
        ImageSet images =
                ImageSet.of(concat(normals), 1, TestModels.SIZE, TestModels.SIZE, null, "noise");
        double[] complexity =
                new AnomalyScores(Compressor.PNG)
                        .scores(ScoreKind.COMPLEXITY, engine.score(normals).bounds(), images);
        Calibration calibration =
                TestModels.calibrate(bundle, Map.of(ScoreKind.COMPLEXITY, complexity));

        // the engine reads the calibration when it loads the bundle
        try (ScoringEngine calibrated =
                        ScoringEngine.load(bundle, "cpu", 0, ScoreKind.COMPLEXITY, 1);
                TopologyFixture f = TopologyFixture.calibrated(calibrated, bundle, stateDir, 0.1)) {
            f.send("k", TestModels.event("e", 7));
            AnomalyScore score = f.scores.readValue();
            double bpd = engine.score(List.of(TestModels.pixels(7))).bounds().elboBitsPerDim()[0];
            double expected =
                    bpd
                            - InputComplexity.bitsPerDim(
                                    Compressor.PNG,
                                    TestModels.pixels(7),
                                    1,
                                    TestModels.SIZE,
                                    TestModels.SIZE);
            assertEquals("complexity", score.getScoreKind());
            assertEquals(expected, score.getScore(), 1e-9);
            assertEquals(
                    calibration.pValue(ScoreKind.COMPLEXITY, score.getScore()),
                    score.getPValue(),
                    0.0);
            assertEquals(calibration.threshold(ScoreKind.COMPLEXITY, 0.1), score.getThreshold());
            assertEquals(score.getPValue() < 0.1, score.getIsAnomaly());
        } finally {
            // the other tests share the bundle and expect it uncalibrated
            Files.delete(bundle.resolve(Calibration.FILE));
        }
    }

    @Test
    void perSourceRuleSitsBetweenScoresAndAlerts() {
        try (TopologyFixture f =
                new TopologyFixture(
                        engine,
                        stateDir,
                        Map.of(
                                "batch.max.size", "1",
                                "threshold.bpd", "0",
                                "alert.per-source.k", "2",
                                "alert.per-source.n", "2"))) {
            for (int i = 0; i < 5; i++) {
                f.send("k" + i, TestModels.event("e" + i, i));
            }
            assertEquals(5, f.scores.readValuesToList().size(), "every event is scored");
            assertEquals(
                    List.of("e1", "e3"),
                    f.alerts.readValuesToList().stream()
                            .map(a -> a.getEventId().toString())
                            .toList(),
                    "one alert per two anomalies of camera-1");
            assertEquals(
                    1L,
                    f.driver.<String, Long>getKeyValueStore(AlertProcessor.STORE).get("camera-1"));
        }
    }

    @Test
    void typicalityNeedsABitsPerDimCalibrationAndSaysHowToMakeOne() {
        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () ->
                                new TopologyFixture(
                                        engine,
                                        stateDir,
                                        Map.of(
                                                "model.dir",
                                                bundles.resolve("tiny-bundle").toString(),
                                                "typicality.window",
                                                "8")));
        assertTrue(e.getMessage().contains(Calibration.FILE), e.getMessage());
        assertTrue(e.getMessage().contains("flowpp-trainer calibrate"), e.getMessage());
    }

    private static byte[] concat(List<byte[]> images) {
        byte[] all = new byte[images.size() * images.get(0).length];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, all, i * images.get(0).length, images.get(0).length);
        }
        return all;
    }

    @Test
    void pendingEventsSurviveInTheStore() {
        try (TopologyFixture f =
                new TopologyFixture(
                        engine,
                        stateDir,
                        Map.of("batch.max.size", "10", "batch.max.delay.ms", "1000"))) {
            for (int i = 0; i < 3; i++) {
                f.send("k" + i, TestModels.event("e" + i, i));
            }
            List<String> stored = new ArrayList<>();
            try (KeyValueIterator<Bytes, byte[]> it = f.pendingStore().all()) {
                while (it.hasNext()) {
                    PendingEvent p = PendingEvent.fromBytes(it.next().value);
                    stored.add(
                            new String(p.key(), StandardCharsets.UTF_8) + "=" + p.event().getId());
                }
            }
            assertEquals(List.of("k0=e0", "k1=e1", "k2=e2"), stored, "in arrival order");

            f.driver.advanceWallClockTime(Duration.ofMillis(500));
            assertEquals(3, f.pendingCount(), "still pending before the delay");
            f.driver.advanceWallClockTime(Duration.ofMillis(600));
            assertEquals(0, f.pendingCount());
            assertEquals(3, f.scores.getQueueSize());
        }
    }

    /** What a restarted task finds after the changelog restored its store: it scores it, once. */
    @Test
    void restoredPendingEventsAreScoredAfterRestart() {
        MockProcessorContext<byte[], Object> context = new MockProcessorContext<>();
        KeyValueStore<Bytes, byte[]> store = BatchingStep.pendingStore(context);
        for (long seq = 5; seq < 7; seq++) {
            PendingEvent p =
                    new PendingEvent(
                            TopologyFixture.key("k" + seq),
                            0,
                            1_000,
                            new SourceRecord("images", 0, seq),
                            BatchingStep.validated(TestModels.event("e" + seq, seq)));
            store.put(BatchingStep.sequenceKey(seq), p.toBytes());
        }
        Processor<byte[], ValidatedEvent, byte[], Object> processor = BatchingStep.processor(engine, 10, 50);
        context.setCurrentSystemTimeMs(2_000);
        processor.init(context);

        processor.process(new Record<>(
                        TopologyFixture.key("k7"),
                        BatchingStep.validated(TestModels.event("e7", 7)),
                        0));
        List<KeyValue<Bytes, byte[]>> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            it.forEachRemaining(keys::add);
        }
        assertEquals(
                7,
                ByteBuffer.wrap(keys.get(2).key.get()).getLong(),
                "the sequence resumes after the restored keys");

        context.scheduledPunctuators().get(0).getPunctuator().punctuate(2_000);

        List<String> ids =
                context.forwarded().stream()
                        .map(r -> ((AnomalyScore) r.record().value()).getEventId().toString())
                        .toList();
        assertEquals(List.of("e5", "e6", "e7"), ids);
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            assertFalse(it.hasNext(), "scored events leave the store");
        }
    }

    /**
     * Kafka Streams reads the wall clock once per processing loop, and that clock stands still
     * while a batch is scored: an event that arrives after a flush must not count the scoring time
     * as waiting.
     */
    @Test
    void eventsAfterAFlushDoNotCountTheScoringTimeAsWaiting() {
        MockProcessorContext<byte[], Object> context = new MockProcessorContext<>();
        BatchingStep.pendingStore(context);
        Processor<byte[], ValidatedEvent, byte[], Object> processor = BatchingStep.processor(engine, 4, 50);
        context.setCurrentSystemTimeMs(10_000);
        processor.init(context);
        for (int i = 0; i < 5; i++) {
            processor.process(
                    new Record<>(
                            TopologyFixture.key("k" + i),
                            BatchingStep.validated(TestModels.event("e" + i, i)),
                            0));
        }
        assertEquals(4, context.forwarded().size(), "the full batch is scored at once");

        // 50 ms after the loop's clock reading, but less than 50 ms after the batch finished
        // scoring
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(10_050);
        assertEquals(4, context.forwarded().size(), "the fifth event has not waited 50 ms yet");

        // a minute later, whatever the scoring took on a loaded machine
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(70_000);
        assertEquals(5, context.forwarded().size());
    }

    private static double batchSizeSum(PrometheusRegistry registry) {
        return registry.scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("flowwatch_batch_size"))
                .map(s -> ((HistogramSnapshot) s).getDataPoints().get(0).getSum())
                .findFirst()
                .orElseThrow();
    }
}
