package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.engine.BatchScorer;
import dev.flowwatch.streams.engine.ScoredBatch;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.engine.ScoringException;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The batching step pipelined: a batch is scored on the task's scoring thread while the stream
 * thread stores the next events, with its scores emitted in order, once, and not at all when the
 * task closes first.
 */
class BatchingPipelineTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir static Path bundles;
    static ScoringEngine engine;

    @BeforeAll
    static void loadModel() {
        engine = ScoringEngine.load(TestModels.tinyBundle(bundles), "cpu", 0, ScoreKind.BPD, 1);
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    /**
     * The real engine behind a gate that holds the first batch until opened; counts the batches
     * scored at once and names the thread that scored.
     */
    private static final class GatedScorer implements BatchScorer {

        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        volatile String thread;

        @Override
        public ScoredBatch score(List<byte[]> images) {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
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

    @Test
    void aBatchIsScoredOnItsOwnThreadWhileTheStreamThreadStoresTheNextEvents() throws Exception {
        MockProcessorContext<byte[], Object> context = new MockProcessorContext<>();
        KeyValueStore<Bytes, byte[]> store = BatchingStep.pendingStore(context);
        GatedScorer scorer = new GatedScorer();
        Processor<byte[], ValidatedEvent, byte[], Object> processor =
                BatchingStep.processor(engine, scorer, 2, 60_000, true);
        context.setCurrentSystemTimeMs(0);
        processor.init(context);

        assertTimeoutPreemptively(
                PATIENCE,
                () -> {
                    send(processor, 0, 1);
                    assertTrue(scorer.started.await(PATIENCE.toSeconds(), TimeUnit.SECONDS));
                    send(processor, 2);
                },
                "the stream thread does not wait for the batch it handed over");
        assertTrue(scorer.thread.startsWith("flowwatch-scoring-"), scorer.thread);
        assertEquals(List.of(), scoredIds(context), "no score before the batch is done");
        assertEquals(3, count(store), "the batch in flight stays in the store until emitted");

        scorer.open.countDown();
        punctuateUntilScored(context, 2, 0);

        assertEquals(List.of("e0", "e1"), scoredIds(context));
        assertEquals(1, count(store), "the scored batch left the store, the next event did not");
        processor.close();
    }

    @Test
    void theNextFullBatchWaitsForTheOneInFlightAndScoresLeaveInOrder() throws Exception {
        MockProcessorContext<byte[], Object> context = new MockProcessorContext<>();
        KeyValueStore<Bytes, byte[]> store = BatchingStep.pendingStore(context);
        GatedScorer scorer = new GatedScorer();
        Processor<byte[], ValidatedEvent, byte[], Object> processor =
                BatchingStep.processor(engine, scorer, 2, 60_000, true);
        context.setCurrentSystemTimeMs(0);
        processor.init(context);

        send(processor, 0, 1);
        assertTrue(scorer.started.await(PATIENCE.toSeconds(), TimeUnit.SECONDS));
        Thread opener =
                new Thread(
                        () -> {
                            sleep(200);
                            scorer.open.countDown();
                        });
        opener.start();
        long start = System.nanoTime();
        send(processor, 2, 3);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        opener.join();

        assertTrue(waitedMs >= 150, "the second full batch waited for the first: " + waitedMs);
        assertTrue(
                scoredIds(context).size() >= 2,
                "the first batch was emitted before the second was handed over");
        punctuateUntilScored(context, 4, 0);
        assertEquals(List.of("e0", "e1", "e2", "e3"), scoredIds(context));
        assertEquals(1, scorer.mostAtOnce.get(), "one batch in flight at most");
        assertEquals(0, count(store));
        processor.close();
    }

    /**
     * A rebalance or shutdown closes the task while its batch is scored: nothing of the batch is
     * emitted, and the task's next owner, restored from the same store, scores it once.
     */
    @Test
    void aBatchInFlightWhenTheTaskClosesIsScoredOnceByTheNextOwner() throws Exception {
        MockProcessorContext<byte[], Object> first = new MockProcessorContext<>();
        KeyValueStore<Bytes, byte[]> store = BatchingStep.pendingStore(first);
        GatedScorer scorer = new GatedScorer();
        Processor<byte[], ValidatedEvent, byte[], Object> closing =
                BatchingStep.processor(engine, scorer, 2, 50, true);
        first.setCurrentSystemTimeMs(1_000);
        closing.init(first);
        send(closing, 0, 1);
        assertTrue(scorer.started.await(PATIENCE.toSeconds(), TimeUnit.SECONDS));

        closing.close();
        scorer.open.countDown();
        sleep(200);
        assertEquals(List.of(), scoredIds(first), "a closed task emits nothing");
        assertEquals(2, count(store));

        MockProcessorContext<byte[], Object> next = new MockProcessorContext<>();
        next.addStateStore(store);
        Processor<byte[], ValidatedEvent, byte[], Object> owner =
                BatchingStep.processor(engine, engine, 2, 50, true);
        next.setCurrentSystemTimeMs(2_000);
        owner.init(next);
        punctuateUntilScored(next, 2, 60_000);

        assertEquals(List.of("e0", "e1"), scoredIds(next));
        assertEquals(0, count(store));
        owner.close();
    }

    @Test
    void aFailureTheFaultIsolationDoesNotContainFailsTheStreamThreadAndKeepsTheBatch() {
        MockProcessorContext<byte[], Object> context = new MockProcessorContext<>();
        KeyValueStore<Bytes, byte[]> store = BatchingStep.pendingStore(context);
        BatchScorer broken =
                images -> {
                    throw new ScoringException("CUDA error: device-side assert triggered");
                };
        Processor<byte[], ValidatedEvent, byte[], Object> processor =
                BatchingStep.processor(engine, broken, 2, 60_000, true);
        context.setCurrentSystemTimeMs(0);
        processor.init(context);
        send(processor, 0, 1);

        ScoringException e =
                assertThrows(
                        ScoringException.class,
                        () -> {
                            for (long t = 0; t < PATIENCE.toMillis(); t += 10) {
                                context.scheduledPunctuators().get(0).getPunctuator().punctuate(t);
                                sleep(10);
                            }
                        });

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
     * were emitted.
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
}
