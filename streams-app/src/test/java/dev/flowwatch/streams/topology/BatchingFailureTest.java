package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEncoding;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.ImageEvents;
import dev.flowwatch.streams.HostileImages;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.engine.BatchScorer;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.engine.ScoringException;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedForward;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * Pending events that today would stop the stream (an event the model cannot score, one of another
 * shape restored after a model rollout, a store entry that is no event) become dead letters, and
 * the rest of their batch is scored.
 */
class BatchingFailureTest {

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

    /** An all-white image, which {@link #failingOnWhite} cannot score. */
    static ImageEvent white(String id) {
        byte[] pixels = new byte[TestModels.SIZE * TestModels.SIZE];
        Arrays.fill(pixels, (byte) 255);
        return ImageEvents.rawU8(
                id,
                "camera-1",
                Instant.parse("2026-01-01T00:00:00Z"),
                TestModels.SIZE,
                TestModels.SIZE,
                1,
                pixels);
    }

    /**
     * {@link #white} as its producer may send it, a PNG: what the batching step scores (pixels)
     * then differs from the value the input record had.
     */
    static ImageEvent whitePng(String id) {
        BufferedImage image =
                new BufferedImage(TestModels.SIZE, TestModels.SIZE, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster()
                .setDataElements(
                        0, 0, TestModels.SIZE, TestModels.SIZE, white(id).getData().array());
        return ImageEvent.newBuilder(white(id))
                .setEncoding(ImageEncoding.PNG)
                .setData(ByteBuffer.wrap(HostileImages.encode(image, "png")))
                .build();
    }

    /**
     * The real model, except that a pass over a batch with an all-white image fails, as a model
     * fails on an input it cannot handle (no real model fails on demand).
     */
    static BatchScorer failingOnWhite() {
        return images -> {
            byte[] white = new byte[TestModels.SIZE * TestModels.SIZE];
            Arrays.fill(white, (byte) 255);
            for (byte[] image : images) {
                if (Arrays.equals(image, white)) {
                    throw new ScoringException("non-finite log-determinant");
                }
            }
            return engine.score(images);
        };
    }

    @Test
    void anEventTheModelCannotScoreGoesToTheDeadLetterTopicAndTheOthersAreScored() {
        try (TopologyFixture f =
                new TopologyFixture(
                        engine,
                        failingOnWhite(),
                        stateDir,
                        Map.of("batch.max.size", "8", "scoring.max-attempts", "2"))) {
            for (int i = 0; i < 8; i++) {
                ImageEvent event = i == 5 ? whitePng("e5") : TestModels.event("e" + i, i);
                Headers forged = new RecordHeaders();
                forged.add(SourceRecord.HEADER_TOPIC, "forged".getBytes(StandardCharsets.UTF_8));
                forged.add(SourceRecord.HEADER_PARTITION, "7".getBytes(StandardCharsets.UTF_8));
                forged.add(SourceRecord.HEADER_OFFSET, "99".getBytes(StandardCharsets.UTF_8));
                forged.add("apicurio.value.globalId", new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) i});
                f.images.pipeInput(
                        new TestRecord<>(
                                TopologyFixture.key("k" + i),
                                TopologyFixture.bytes(event),
                                forged,
                                Instant.EPOCH));
            }

            List<String> scored =
                    f.scores.readValuesToList().stream()
                            .map(s -> s.getEventId().toString())
                            .toList();
            assertEquals(List.of("e0", "e1", "e2", "e3", "e4", "e6", "e7"), scored);
            TestRecord<byte[], byte[]> dead = f.dlq.readRecord();
            assertTrue(f.dlq.isEmpty());
            assertEquals("k5", new String(dead.key(), StandardCharsets.UTF_8));
            assertEquals("SCORING_FAILED", header(dead, DeadLetters.HEADER_REASON));
            String detail = header(dead, DeadLetters.HEADER_DETAIL);
            assertTrue(detail.contains("2 attempts") && detail.contains("non-finite"), detail);
            assertEquals("images", header(dead, DeadLetters.HEADER_TOPIC));
            assertEquals("0", header(dead, DeadLetters.HEADER_PARTITION));
            assertEquals("5", header(dead, DeadLetters.HEADER_OFFSET), "not the forged one");
            assertArrayEquals(
                    TopologyFixture.bytes(whitePng("e5")),
                    dead.value(),
                    "the value is the input record's, PNG and all");
            assertArrayEquals(
                    new byte[] {0, 0, 0, 0, 0, 0, 0, 5},
                    dead.headers().lastHeader("apicurio.value.globalId").value(),
                    "and so are its headers, a registry's framing among them, for a replay");
            assertNull(dead.headers().lastHeader(SourceRecord.HEADER_TOPIC), "not the app's own");
            assertEquals(1.0, invalid(f.registry, "SCORING_FAILED"));
            assertEquals(0, f.pendingCount());
        }
    }

    @Test
    void aDeadLetterThroughTheBatchingTopicNamesTheInputRecord() {
        try (TopologyFixture f =
                new TopologyFixture(
                        engine,
                        failingOnWhite(),
                        stateDir,
                        Map.of("batching.partitions", "1", "batch.max.size", "2"))) {
            f.send("k0", TestModels.event("e0", 0));
            f.send("k1", whitePng("e1"));

            assertEquals(1, f.scores.getQueueSize());
            TestRecord<byte[], byte[]> dead = f.dlq.readRecord();
            assertEquals("images", header(dead, DeadLetters.HEADER_TOPIC));
            assertEquals("1", header(dead, DeadLetters.HEADER_OFFSET));
            assertArrayEquals(TopologyFixture.bytes(whitePng("e1")), dead.value());
        }
    }

    @Test
    void aDeadLetterOfTheBatchingStepIsCutLikeThoseOfValidation() throws Exception {
        try (TopologyFixture f =
                new TopologyFixture(
                        engine,
                        failingOnWhite(),
                        stateDir,
                        Map.of("batch.max.size", "2", "dlq.max.value.bytes", "100"))) {
            f.send("k0", TestModels.event("e0", 0));
            f.send("k1", white("e1"));

            byte[] whole = TopologyFixture.bytes(white("e1"));
            TestRecord<byte[], byte[]> dead = f.dlq.readRecord();
            assertEquals("SCORING_FAILED", header(dead, DeadLetters.HEADER_REASON));
            assertArrayEquals(Arrays.copyOf(whole, 100), dead.value());
            assertEquals(
                    Integer.toString(whole.length), header(dead, DeadLetters.HEADER_ORIGINAL_SIZE));
            assertEquals(
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(whole)),
                    header(dead, DeadLetters.HEADER_ORIGINAL_SHA256));
        }
    }

    @Test
    void aFailureABlankImageSharesStopsTheStreamAndKeepsTheBatchPending() {
        BatchScorer broken =
                images -> {
                    throw new ScoringException("CUDA error: device-side assert triggered");
                };
        try (TopologyFixture f =
                new TopologyFixture(engine, broken, stateDir, Map.of("batch.max.size", "2"))) {
            f.send("k0", TestModels.event("e0", 0));

            RuntimeException e =
                    assertThrows(
                            RuntimeException.class, () -> f.send("k1", TestModels.event("e1", 1)));

            assertTrue(causedByScoringException(e), "the client stops on it: " + e);
            assertTrue(f.dlq.isEmpty(), "a systemic failure turns no event into a dead letter");
            assertEquals(2, f.pendingCount(), "the batch waits for a restart");
        }
    }

    /** After a rollout to a model of another shape, the changelog restores the old events. */
    @Test
    void restoredEventsOfAnotherShapeGoToTheDeadLetterTopic() {
        MockProcessorContext<byte[], Object> context = new MockProcessorContext<>();
        KeyValueStore<Bytes, byte[]> store = BatchingStep.pendingStore(context);
        ImageEvent small =
                ImageEvents.rawU8("old", "camera-1", Instant.EPOCH, 14, 14, 1, new byte[14 * 14]);
        store.put(
                BatchingStep.sequenceKey(0),
                new PendingEvent(
                                TopologyFixture.key("k-old"),
                                0,
                                1_000,
                                new SourceRecord("images", 3, 42),
                                BatchingStep.validated(small))
                        .toBytes());
        store.put(
                BatchingStep.sequenceKey(1),
                new PendingEvent(
                                TopologyFixture.key("k-new"),
                                0,
                                1_000,
                                new SourceRecord("images", 3, 43),
                                BatchingStep.validated(TestModels.event("new", 1)))
                        .toBytes());
        Processor<byte[], ValidatedEvent, byte[], Object> processor =
                BatchingStep.processor(stateDir, engine, 10, 50);
        context.setCurrentSystemTimeMs(2_000);
        processor.init(context);

        context.scheduledPunctuators().get(0).getPunctuator().punctuate(2_000);

        List<CapturedForward<? extends byte[], ?>> out = context.forwarded();
        assertEquals(2, out.size());
        CapturedForward<? extends byte[], ?> dead = out.get(0);
        assertEquals("dlq", dead.childName().orElseThrow());
        assertEquals("WRONG_SHAPE", header(dead.record().headers(), DeadLetters.HEADER_REASON));
        assertEquals("42", header(dead.record().headers(), DeadLetters.HEADER_OFFSET));
        assertEquals("scores", out.get(1).childName().orElseThrow());
        assertEquals("new", ((AnomalyScore) out.get(1).record().value()).getEventId().toString());
        assertFalse(store.all().hasNext(), "both left the store");
    }

    @Test
    void aStoreEntryThatIsNoEventGoesToTheDeadLetterTopic() {
        MockProcessorContext<byte[], Object> context = new MockProcessorContext<>();
        KeyValueStore<Bytes, byte[]> store = BatchingStep.pendingStore(context);
        store.put(BatchingStep.sequenceKey(0), new byte[] {9, 1, 2});
        Processor<byte[], ValidatedEvent, byte[], Object> processor =
                BatchingStep.processor(stateDir, engine, 10, 50);
        context.setCurrentSystemTimeMs(2_000);
        processor.init(context);

        context.scheduledPunctuators().get(0).getPunctuator().punctuate(2_000);

        CapturedForward<? extends byte[], ?> dead = context.forwarded().get(0);
        assertEquals("dlq", dead.childName().orElseThrow());
        assertEquals(
                "MALFORMED_MESSAGE", header(dead.record().headers(), DeadLetters.HEADER_REASON));
        assertFalse(store.all().hasNext());
    }

    /** Changelogs written before the source was kept still restore, and are scored. */
    @Test
    void pendingEventsOfTheFormerStoreFormatAreScored() {
        MockProcessorContext<byte[], Object> context = new MockProcessorContext<>();
        KeyValueStore<Bytes, byte[]> store = BatchingStep.pendingStore(context);
        byte[] key = TopologyFixture.key("k-v1");
        byte[] body = TopologyFixture.bytes(TestModels.event("v1", 1));
        store.put(
                BatchingStep.sequenceKey(0),
                ByteBuffer.allocate(1 + 8 + 8 + 4 + key.length + body.length)
                        .put((byte) 1)
                        .putLong(1_000)
                        .putLong(0)
                        .putInt(key.length)
                        .put(key)
                        .put(body)
                        .array());
        Processor<byte[], ValidatedEvent, byte[], Object> processor =
                BatchingStep.processor(stateDir, engine, 10, 50);
        context.setCurrentSystemTimeMs(2_000);
        processor.init(context);

        context.scheduledPunctuators().get(0).getPunctuator().punctuate(2_000);

        assertEquals(
                "v1",
                ((AnomalyScore) context.forwarded().get(0).record().value())
                        .getEventId()
                        .toString());
    }

    /**
     * A pass that ends the process (here an Error, on which the app exits) leaves its events in the
     * scoring journal. Each restarted process finds nothing committed since (the transaction died
     * with the process), scores the events the last one died with alone, and gives up the event it
     * keeps dying with once it has died with it {@code scoring.max-attempts} times; the other
     * events are scored.
     */
    @Test
    void anEventTheProcessKeepsDyingWithIsScoredAloneAndThenGivenUp() throws Exception {
        Survival run = untilAProcessSurvives(Set.of(2), 3);

        assertEquals(3, run.deaths());
        assertEquals(List.of(5, 1, 1), run.passesWithWhite(), "in the batch, then alone, twice");
        assertEquals(List.of("e0", "e1", "e3", "e4"), run.scored());
        assertEquals(1, run.deadLetters().size());
        Headers letter = run.deadLetters().get(0);
        assertEquals("SCORING_FAILED", header(letter, DeadLetters.HEADER_REASON));
        assertEquals("2", header(letter, DeadLetters.HEADER_OFFSET));
        String detail = header(letter, DeadLetters.HEADER_DETAIL);
        assertTrue(detail.contains("ended 3 times while the event was being scored, 2 of"), detail);
    }

    /**
     * A given-up event's count stays on disk until its dead letter has surely committed: settled at
     * once, a death in the next suspect's pass brought it back uncounted (two such events took 11
     * deaths, three 35).
     */
    @Test
    void eachEventTheProcessKeepsDyingWithCostsItsOwnDeathsOnly() throws Exception {
        Survival run = untilAProcessSurvives(Set.of(1, 3), 3);

        assertEquals(5, run.deaths(), "one death in the batch, two alone for each");
        assertEquals(List.of("e0", "e2", "e4"), run.scored());
        assertEquals(
                List.of("1", "3"),
                run.deadLetters().stream()
                        .map(h -> header(h, DeadLetters.HEADER_OFFSET))
                        .sorted()
                        .toList());
    }

    /**
     * With one attempt, the first death, in a batch, gives up no event: only a death alone does.
     */
    @Test
    void withOneAttemptOnlyADeathWithTheEventAloneGivesItUp() throws Exception {
        Survival run = untilAProcessSurvives(Set.of(2), 1);

        assertEquals(List.of(5, 1), run.passesWithWhite());
        assertEquals(List.of("e0", "e1", "e3", "e4"), run.scored());
    }

    /** What a run of processes over the same journal came to. */
    private record Survival(
            int deaths,
            List<Integer> passesWithWhite,
            List<String> scored,
            List<Headers> deadLetters) {}

    /**
     * Five pending events, white at {@code whites}, scored by one process after another, each
     * finding the store as committed before the first (every death loses its transaction), until
     * one survives the scoring of them all.
     */
    private Survival untilAProcessSurvives(Set<Integer> whites, int maxAttempts) {
        byte[] whitePixels = white("w").getData().array();
        List<Integer> passesWithWhite = new ArrayList<>();
        BatchScorer dyingOnWhite =
                images -> {
                    if (images.stream().anyMatch(i -> Arrays.equals(i, whitePixels))) {
                        passesWithWhite.add(images.size());
                        throw new InternalError("simulated: the process dies in the pass");
                    }
                    return engine.score(images);
                };
        Map<Bytes, byte[]> committed = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            ImageEvent event = whites.contains(i) ? white("e" + i) : TestModels.event("e" + i, i);
            committed.put(
                    BatchingStep.sequenceKey(i),
                    new PendingEvent(
                                    TopologyFixture.key("k" + i),
                                    0,
                                    1_000,
                                    new SourceRecord("images", 0, i),
                                    BatchingStep.validated(event))
                            .toBytes());
        }
        Path journal = stateDir.resolve("journal");
        for (int process = 1; process <= 20; process++) {
            MockProcessorContext<byte[], Object> context = new MockProcessorContext<>();
            BatchingStep.pendingStore(context).putAll(toKeyValues(committed));
            Processor<byte[], ValidatedEvent, byte[], Object> processor =
                    BatchingStep.processor(
                            new ScoringJournal(journal, "process" + process, Clock.systemUTC()),
                            engine,
                            dyingOnWhite,
                            new BatchingProcessor.Policy(8, 50, 12, maxAttempts, false));
            context.setCurrentSystemTimeMs(2_000);
            processor.init(context);
            try {
                context.scheduledPunctuators().get(0).getPunctuator().punctuate(2_000);
            } catch (CompletionException died) {
                assertTrue(died.getCause() instanceof InternalError, died.toString());
                continue;
            }
            List<String> scored = new ArrayList<>();
            List<Headers> dead = new ArrayList<>();
            for (CapturedForward<? extends byte[], ?> out : context.forwarded()) {
                if (out.childName().orElseThrow().equals("dlq")) {
                    dead.add(out.record().headers());
                } else {
                    scored.add(((AnomalyScore) out.record().value()).getEventId());
                }
            }
            return new Survival(
                    process - 1, passesWithWhite, scored.stream().sorted().toList(), dead);
        }
        throw new AssertionError("no process survived: passes with white " + passesWithWhite);
    }

    private static List<KeyValue<Bytes, byte[]>> toKeyValues(Map<Bytes, byte[]> entries) {
        return entries.entrySet().stream()
                .map(e -> KeyValue.pair(e.getKey(), e.getValue()))
                .toList();
    }

    /** What the uncaught-exception policy stops the client on. */
    private static boolean causedByScoringException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ScoringException) {
                return true;
            }
        }
        return false;
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        return header(record.headers(), name);
    }

    private static String header(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static double invalid(PrometheusRegistry registry, String reason) {
        return registry.scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("flowwatch_events_invalid"))
                .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
                .filter(d -> d.getLabels().get("reason").equals(reason))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
                .sum();
    }
}
