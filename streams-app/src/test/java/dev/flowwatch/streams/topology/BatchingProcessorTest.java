package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
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
import dev.flowwatch.streams.engine.BatchScorer;
import dev.flowwatch.streams.engine.ScoredBatch;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.engine.ScoringException;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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

    /** Each event a batch of its own and an anomaly; an alert per two of a source's last two. */
    private TopologyFixture twoOfTwo(String expiryMinutes) {
        return new TopologyFixture(
                engine,
                stateDir,
                Map.of(
                        "batch.max.size", "1",
                        "threshold.bpd", "0",
                        "alert.per-source.k", "2",
                        "alert.per-source.n", "2",
                        "source.window.expiry.minutes", expiryMinutes));
    }

    @Test
    void perSourceRuleSitsBetweenScoresAndAlerts() {
        try (TopologyFixture f = twoOfTwo("1440")) {
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
    void aSourceIdlePastTheExpiryLosesItsWindowInTheRunningApp() {
        try (TopologyFixture f = twoOfTwo("1")) {
            var windows = f.driver.<String, Long>getKeyValueStore(AlertProcessor.STORE);
            f.images.pipeInput(
                    TopologyFixture.key("k0"),
                    TopologyFixture.bytes(TestModels.event("e0", 0)),
                    TopologyFixture.START);
            assertEquals(1L, windows.get("camera-1"));
            f.driver.advanceWallClockTime(Duration.ofSeconds(30));
            assertEquals(1L, windows.get("camera-1"), "idle for 30 s");
            f.driver.advanceWallClockTime(Duration.ofSeconds(45));
            assertNull(windows.get("camera-1"), "idle for 75 s, without another record");
            f.send("k1", TestModels.event("e1", 1));
            assertEquals(List.of(), f.alerts.readValuesToList(), "e0 has been forgotten");
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
        Processor<byte[], ValidatedEvent, byte[], Object> processor =
                BatchingStep.processor(stateDir, engine, 10, 50);
        context.setCurrentSystemTimeMs(2_000);
        processor.init(context);

        processor.process(
                new Record<>(
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
        Processor<byte[], ValidatedEvent, byte[], Object> processor =
                BatchingStep.processor(stateDir, engine, 4, 50);
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

    /**
     * Pipelined: a batch is scored on the task's scoring thread while the stream thread stores the
     * next events, a full next batch queued behind it, with the scores emitted in order, once, and
     * not at all when the task closes first.
     */
    @Nested
    class Pipelined {

        private static final Duration PATIENCE = Duration.ofSeconds(20);

        private final MockProcessorContext<byte[], Object> context = new MockProcessorContext<>();
        private final KeyValueStore<Bytes, byte[]> store = BatchingStep.pendingStore(context);
        private final GatedScorer scorer = new GatedScorer();

        /** The step on the gated scorer, batches of 2, the task's clock at {@code clockMs}. */
        private Processor<byte[], ValidatedEvent, byte[], Object> step(
                BatchScorer batchScorer, long maxDelayMs, long clockMs) {
            Processor<byte[], ValidatedEvent, byte[], Object> p =
                    BatchingStep.processor(stateDir, engine, batchScorer, 2, maxDelayMs, true);
            context.setCurrentSystemTimeMs(clockMs);
            p.init(context);
            return p;
        }

        @Test
        void aBatchIsScoredOnItsOwnThreadWhileTheStreamThreadStoresTheNextEvents() {
            Processor<byte[], ValidatedEvent, byte[], Object> processor = step(scorer, 60_000, 0);

            assertTimeoutPreemptively(
                    PATIENCE,
                    () -> {
                        send(processor, 0, 1);
                        scorer.awaitStarted();
                        send(processor, 2);
                    },
                    "the stream thread does not wait for the batch it handed over");
            assertTrue(scorer.thread.startsWith("flowwatch-scoring-"), scorer.thread);
            assertEquals(List.of(), scoredIds(context), "no score before the batch is done");
            assertEquals(3, count(store), "the batch in flight stays in the store until emitted");

            scorer.open.countDown();
            punctuateUntilScored(context, 2, 0);

            assertEquals(List.of("e0", "e1"), scoredIds(context));
            assertEquals(1, count(store), "the scored batch left the store, the next event not");
            processor.close();
        }

        @Test
        void theNextBatchQueuesBehindTheOneScoredAThirdWaitsAndScoresLeaveInOrder()
                throws Exception {
            Processor<byte[], ValidatedEvent, byte[], Object> processor = step(scorer, 60_000, 0);
            send(processor, 0, 1);
            scorer.awaitStarted();

            long start = System.nanoTime();
            send(processor, 2, 3);
            long queuedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(queuedMs < 1000, "the second batch did not wait: " + queuedMs + " ms");

            Thread opener = scorer.openIn(200);
            start = System.nanoTime();
            send(processor, 4, 5);
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            opener.join();

            assertTrue(waitedMs >= 150, "the third batch waited for the first: " + waitedMs);
            assertTrue(
                    scoredIds(context).size() >= 2,
                    "the first batch was emitted before the third was handed over");
            punctuateUntilScored(context, 6, 0);
            assertEquals(List.of("e0", "e1", "e2", "e3", "e4", "e5"), scoredIds(context));
            assertEquals(1, scorer.mostAtOnce.get(), "the scorer scores one batch at a time");
            assertEquals(0, count(store));
            processor.close();
        }

        /**
         * A due partial batch does not queue behind the batch being scored, where it would pay a
         * forward pass for a few events, nor hold up the stream thread: it goes once that batch is
         * done.
         */
        @Test
        void aDuePartialBatchWaitsForTheBatchInFlightWithoutHoldingUpTheStreamThread() {
            Processor<byte[], ValidatedEvent, byte[], Object> processor = aDuePartialBatchWaiting();
            assertEquals(List.of(2), scorer.sizes, "nothing queued behind the batch in flight");

            scorer.open.countDown();
            punctuateUntilScored(context, 3, 60_000);

            assertEquals(List.of("e0", "e1", "e2"), scoredIds(context));
            assertEquals(List.of(2, 1), scorer.sizes);
            assertEquals(0, count(store));
            processor.close();
        }

        /**
         * Under a backlog, events that arrive while a due partial batch waits for the batch in
         * flight join it: the device gets full batches (waiting on the stream thread instead, 46.9
         * events per batch of 64 were scored under a backlog on two cores, 60.9 not pipelined).
         */
        @Test
        void eventsArrivingWhileADuePartialBatchWaitsFillIt() {
            Processor<byte[], ValidatedEvent, byte[], Object> processor = aDuePartialBatchWaiting();

            send(processor, 3);
            scorer.open.countDown();
            punctuateUntilScored(context, 4, 60_000);

            assertEquals(List.of("e0", "e1", "e2", "e3"), scoredIds(context));
            assertEquals(List.of(2, 2), scorer.sizes);
            assertEquals(0, count(store));
            processor.close();
        }

        /**
         * Events 0 and 1 at the gated scorer, event 2 pending and due: the punctuation that finds
         * it due returns at once.
         */
        private Processor<byte[], ValidatedEvent, byte[], Object> aDuePartialBatchWaiting() {
            Processor<byte[], ValidatedEvent, byte[], Object> processor = step(scorer, 50, 0);
            send(processor, 0, 1, 2);
            scorer.awaitStarted();
            assertTimeoutPreemptively(
                    PATIENCE,
                    () -> context.scheduledPunctuators().get(0).getPunctuator().punctuate(60_000),
                    "the stream thread is not held up by a due partial batch");
            return processor;
        }

        /**
         * A rebalance or shutdown closes the task while its batches are in flight, one scored and
         * one queued: nothing of them is emitted, and the task's next owner, restored from the same
         * store, scores them once.
         */
        @Test
        void batchesInFlightWhenTheTaskClosesAreScoredOnceByTheNextOwner() {
            Processor<byte[], ValidatedEvent, byte[], Object> closing = step(scorer, 50, 1_000);
            send(closing, 0, 1, 2, 3);
            scorer.awaitStarted();

            closing.close();
            scorer.open.countDown();
            sleep(200);
            assertEquals(List.of(), scoredIds(context), "a closed task emits nothing");
            assertEquals(List.of(2), scorer.sizes, "the batch queued behind never ran");
            assertEquals(4, count(store));

            MockProcessorContext<byte[], Object> next = new MockProcessorContext<>();
            next.addStateStore(store);
            Processor<byte[], ValidatedEvent, byte[], Object> owner =
                    BatchingStep.processor(stateDir, engine, engine, 2, 50, true);
            next.setCurrentSystemTimeMs(2_000);
            owner.init(next);
            punctuateUntilScored(next, 4, 60_000);

            assertEquals(List.of("e0", "e1", "e2", "e3"), scoredIds(next));
            assertEquals(0, count(store));
            owner.close();
        }

        @Test
        void aFailureTheFaultIsolationDoesNotContainFailsTheStreamThreadAndKeepsTheBatch() {
            Processor<byte[], ValidatedEvent, byte[], Object> processor =
                    step(
                            images -> {
                                throw new ScoringException(
                                        "CUDA error: device-side assert triggered");
                            },
                            60_000,
                            0);
            send(processor, 0, 1);

            ScoringException e =
                    assertThrows(
                            ScoringException.class,
                            () -> punctuateUntilScored(context, 1, 0),
                            "the failure surfaces at a punctuation of the stream thread");

            assertTrue(e.getMessage().contains("fails on a blank image too"), e.getMessage());
            assertEquals(2, count(store), "the batch waits for a restart");
            processor.close();
        }

        private static void send(Processor<byte[], ValidatedEvent, byte[], Object> p, int... ids) {
            for (int id : ids) {
                p.process(
                        new Record<>(
                                TopologyFixture.key("k" + id),
                                BatchingStep.validated(TestModels.event("e" + id, id)),
                                0));
            }
        }

        /**
         * Punctuates at {@code timeMs}, as the stream thread does when idle, until {@code n} scores
         * were emitted or patience ran out.
         */
        private static void punctuateUntilScored(
                MockProcessorContext<byte[], Object> context, int n, long timeMs) {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (scoredIds(context).size() < n && System.nanoTime() < deadline) {
                context.scheduledPunctuators().get(0).getPunctuator().punctuate(timeMs);
                sleep(5);
            }
        }

        private static List<String> scoredIds(MockProcessorContext<byte[], Object> context) {
            return context.forwarded().stream()
                    .map(r -> r.record().value())
                    .filter(AnomalyScore.class::isInstance)
                    .map(v -> ((AnomalyScore) v).getEventId().toString())
                    .toList();
        }

        private static int count(KeyValueStore<Bytes, byte[]> store) {
            int n = 0;
            try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
                while (it.hasNext()) {
                    it.next();
                    n++;
                }
            }
            return n;
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /**
         * The real engine behind a gate that holds each batch until opened; counts the batches
         * scored at once and names the thread that scored.
         */
        private static final class GatedScorer implements BatchScorer {

            final CountDownLatch started = new CountDownLatch(1);
            final CountDownLatch open = new CountDownLatch(1);
            final AtomicInteger running = new AtomicInteger();
            final AtomicInteger mostAtOnce = new AtomicInteger();
            final List<Integer> sizes = new CopyOnWriteArrayList<>();
            volatile String thread;

            /** Opens the gate {@code ms} from now, on a thread of its own. */
            Thread openIn(long ms) {
                Thread opener =
                        new Thread(
                                () -> {
                                    sleep(ms);
                                    open.countDown();
                                });
                opener.start();
                return opener;
            }

            void awaitStarted() {
                try {
                    assertTrue(
                            started.await(PATIENCE.toSeconds(), TimeUnit.SECONDS),
                            "the batch reached the scorer");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public ScoredBatch score(List<byte[]> images) {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                sizes.add(images.size());
                thread = Thread.currentThread().getName();
                started.countDown();
                try {
                    if (!open.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                        throw new ScoringException("the test never opened the gate");
                    }
                    return engine.score(images);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ScoringException("interrupted at the gate");
                } finally {
                    running.decrementAndGet();
                }
            }
        }
    }

    private static double batchSizeSum(PrometheusRegistry registry) {
        return registry.scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("flowwatch_batch_size"))
                .map(s -> ((HistogramSnapshot) s).getDataPoints().get(0).getSum())
                .findFirst()
                .orElseThrow();
    }
}
