package dev.flowwatch.streams.topology;

import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Holds valid events until a batch is worth a forward pass, scores the batch in one engine call and
 * emits each event's score under the event's own key, to the scores topic and the alerting step.
 *
 * <p>A batch is flushed as soon as {@code batch.max.size} events are pending, or by a wall-clock
 * punctuation once the oldest pending event has waited {@code batch.max.delay.ms}.
 *
 * <p>Pending events live in a persistent, changelogged store, not in memory: under exactly-once the
 * store's changelog, the consumed offsets and the emitted scores commit together, so an event
 * either is still pending after a crash (restored and scored after restart) or has its score
 * committed, and never both. Keys are 8-byte big-endian sequence numbers, which the store orders
 * like the events arrived; the sequence resumes after the largest restored key.
 */
public final class BatchingProcessor
        implements Processor<byte[], ImageEvent, byte[], AnomalyScore> {

    public static final String STORE = "pending-batch";

    private final ScoringEngine engine;
    private final AnomalyDecider decider;
    private final FlowwatchMetrics metrics;
    private final int maxSize;
    private final long maxDelayMs;
    private final long punctuationMs;

    private ProcessorContext<byte[], AnomalyScore> context;
    private KeyValueStore<Bytes, byte[]> store;
    private long nextSequence;
    private int pending;

    /** Wall-clock enqueue time of the oldest pending event; meaningless while none is pending. */
    private long oldestEnqueuedAtMs;

    /**
     * When the last batch finished scoring, on the task's wall clock. Kafka Streams gives every
     * record of one processing loop the time the loop started, and that clock stands still while a
     * batch is scored: without this correction the events after a flush look older by the scoring
     * time, and the next punctuation flushes them half-empty, which under load halves the batch
     * fill. The correction never runs ahead of the real clock: the scoring time is a lower bound of
     * the time that passed since the reading.
     */
    private long lastScoredAtMs = Long.MIN_VALUE;

    BatchingProcessor(
            ScoringEngine engine,
            AnomalyDecider decider,
            FlowwatchMetrics metrics,
            int maxSize,
            long maxDelayMs,
            long punctuationMs) {
        this.engine = engine;
        this.decider = decider;
        this.metrics = metrics;
        this.maxSize = maxSize;
        this.maxDelayMs = maxDelayMs;
        this.punctuationMs = punctuationMs;
    }

    /** The batching step with its store; one processor, hence one store, per task. */
    public static ProcessorSupplier<byte[], ImageEvent, byte[], AnomalyScore> supplier(
            ScoringEngine engine,
            AnomalyDecider decider,
            FlowwatchMetrics metrics,
            int maxSize,
            long maxDelayMs,
            long punctuationMs) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<byte[], ImageEvent, byte[], AnomalyScore> get() {
                return new BatchingProcessor(
                        engine, decider, metrics, maxSize, maxDelayMs, punctuationMs);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(
                        Stores.keyValueStoreBuilder(
                                Stores.persistentKeyValueStore(STORE),
                                Serdes.Bytes(),
                                Serdes.ByteArray()));
            }
        };
    }

    @Override
    public void init(ProcessorContext<byte[], AnomalyScore> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        restore();
        context.schedule(
                Duration.ofMillis(punctuationMs),
                PunctuationType.WALL_CLOCK_TIME,
                now -> flushDue(now));
    }

    /**
     * Rebuilds the in-memory view (count, oldest, next sequence) of what the changelog restored.
     */
    private void restore() {
        pending = 0;
        nextSequence = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                if (pending == 0) {
                    oldestEnqueuedAtMs = PendingEvent.enqueuedAtMs(entry.value);
                }
                pending++;
                nextSequence = ByteBuffer.wrap(entry.key.get()).getLong() + 1;
            }
        }
    }

    @Override
    public void process(Record<byte[], ImageEvent> record) {
        long now = now(context.currentSystemTimeMs());
        PendingEvent event =
                new PendingEvent(record.key(), record.timestamp(), now, record.value());
        store.put(sequenceKey(nextSequence++), event.toBytes());
        if (pending++ == 0) {
            oldestEnqueuedAtMs = now;
        }
        if (pending >= maxSize) {
            flushDue(now);
        }
    }

    /** The task's wall-clock time, corrected for batches scored since the clock was read. */
    private long now(long taskClockMs) {
        return Math.max(taskClockMs, lastScoredAtMs);
    }

    /** Scores full batches, then a partial one if its oldest event has waited long enough. */
    private void flushDue(long taskClockMs) {
        while (pending >= maxSize
                || (pending > 0 && now(taskClockMs) - oldestEnqueuedAtMs >= maxDelayMs)) {
            flushOldest(Math.min(pending, maxSize), now(taskClockMs));
        }
    }

    private void flushOldest(int count, long startMs) {
        List<Bytes> keys = new ArrayList<>(count);
        List<PendingEvent> batch = new ArrayList<>(count);
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (batch.size() < count && it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                keys.add(entry.key);
                batch.add(PendingEvent.fromBytes(entry.value));
            }
        }
        List<byte[]> images = new ArrayList<>(batch.size());
        for (PendingEvent e : batch) {
            images.add(pixels(e.event()));
        }
        long start = System.nanoTime();
        LikelihoodScorer.Scores scores = engine.score(images);
        long scoringNanos = System.nanoTime() - start;
        metrics.batch(batch.size(), maxSize, scoringNanos / 1e9);

        long nowMs = startMs + TimeUnit.NANOSECONDS.toMillis(scoringNanos);
        lastScoredAtMs = nowMs;
        Instant now = Instant.ofEpochMilli(nowMs);
        for (int i = 0; i < batch.size(); i++) {
            PendingEvent e = batch.get(i);
            AnomalyScore score = decider.score(e.event(), scores, i, engine.iwSamples(), now);
            // to every child: the scores topic and the alerting step
            context.forward(new Record<>(e.key(), score, e.recordTimestamp()));
            // the metric is the model's bits/dim whatever score kind decides
            metrics.scored(
                    score.getElboBpd(), (nowMs - e.event().getEventTime().toEpochMilli()) / 1000.0);
        }
        for (Bytes key : keys) {
            store.delete(key);
        }
        pending -= batch.size();
        if (pending > 0) {
            try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
                oldestEnqueuedAtMs = PendingEvent.enqueuedAtMs(it.next().value);
            }
        }
    }

    private static byte[] pixels(ImageEvent event) {
        ByteBuffer data = event.getData().duplicate();
        byte[] out = new byte[data.remaining()];
        data.get(out);
        return out;
    }

    private static Bytes sequenceKey(long sequence) {
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES).putLong(sequence).array());
    }
}
