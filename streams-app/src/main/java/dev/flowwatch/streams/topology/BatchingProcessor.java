package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.streams.engine.BatchScorer;
import dev.flowwatch.streams.engine.FaultIsolatingScorer;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;
import dev.flowwatch.streams.topology.DeadLetters.DeadLetter;

import org.apache.kafka.common.header.internals.RecordHeaders;
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
import java.util.Objects;
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
 *
 * <p>No pending event can stop the stream: one the model cannot score ({@link FaultIsolatingScorer}
 * gives it {@code scoring.max-attempts} passes), one of another shape than the model's (restored
 * after a rollout of a model of another shape) and one the store cannot give back as an event all
 * leave the store as dead letters, in the same transaction as the scores of their batch, each
 * carrying the value its input record had.
 */
public final class BatchingProcessor implements Processor<byte[], ValidatedEvent, byte[], Object> {

    public static final String STORE = "pending-batch";

    /**
     * When and how batches are scored.
     *
     * @param maxSize {@code batch.max.size}
     * @param maxDelayMs {@code batch.max.delay.ms}
     * @param punctuationMs how often the delay is checked
     * @param maxScoringAttempts {@code scoring.max-attempts}
     */
    public record Policy(int maxSize, long maxDelayMs, long punctuationMs, int maxScoringAttempts) {}

    /**
     * Where results go: every score to each of {@code scores}, dead letters to {@code deadLetters}.
     * Named, because the dead-letter sink takes bytes and the others take scores.
     */
    public record Children(List<String> scores, String deadLetters) {

        public Children {
            scores = List.copyOf(scores);
            Objects.requireNonNull(deadLetters);
        }
    }

    private final ScoringEngine engine;
    private final FaultIsolatingScorer scorer;
    private final AnomalyDecider decider;
    private final DeadLetters deadLetters;
    private final FlowwatchMetrics metrics;
    private final Policy policy;
    private final Children children;
    private final int imageBytes;

    private ProcessorContext<byte[], Object> context;
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

    private BatchingProcessor(
            ScoringEngine engine,
            BatchScorer batchScorer,
            AnomalyDecider decider,
            DeadLetters deadLetters,
            FlowwatchMetrics metrics,
            Policy policy,
            Children children) {
        this.engine = engine;
        this.imageBytes = engine.channels() * engine.height() * engine.width();
        this.scorer = new FaultIsolatingScorer(batchScorer, imageBytes, policy.maxScoringAttempts());
        this.decider = decider;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.policy = policy;
        this.children = children;
    }

    /**
     * The batching step with its store; one processor, hence one store, per task.
     *
     * @param engine the model: its shape
     * @param batchScorer the forward pass (the engine itself, but for tests of failures)
     * @param deadLetters bounds the dead letters of pending events like those of validation
     */
    public static ProcessorSupplier<byte[], ValidatedEvent, byte[], Object> supplier(
            ScoringEngine engine,
            BatchScorer batchScorer,
            AnomalyDecider decider,
            DeadLetters deadLetters,
            FlowwatchMetrics metrics,
            Policy policy,
            Children children) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<byte[], ValidatedEvent, byte[], Object> get() {
                return new BatchingProcessor(
                        engine, batchScorer, decider, deadLetters, metrics, policy, children);
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
    public void init(ProcessorContext<byte[], Object> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        restore();
        context.schedule(
                Duration.ofMillis(policy.punctuationMs()),
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
    public void process(Record<byte[], ValidatedEvent> record) {
        long now = now(context.currentSystemTimeMs());
        SourceRecord source =
                SourceRecord.stamped(record.headers()).orElseGet(() -> SourceRecord.current(context));
        PendingEvent event =
                new PendingEvent(record.key(), record.timestamp(), now, source, record.value());
        store.put(sequenceKey(nextSequence++), event.toBytes());
        if (pending++ == 0) {
            oldestEnqueuedAtMs = now;
        }
        if (pending >= policy.maxSize()) {
            flushDue(now);
        }
    }

    /** The task's wall-clock time, corrected for batches scored since the clock was read. */
    private long now(long taskClockMs) {
        return Math.max(taskClockMs, lastScoredAtMs);
    }

    /** Scores full batches, then a partial one if its oldest event has waited long enough. */
    private void flushDue(long taskClockMs) {
        while (pending >= policy.maxSize()
                || (pending > 0
                        && now(taskClockMs) - oldestEnqueuedAtMs >= policy.maxDelayMs())) {
            flushOldest(Math.min(pending, policy.maxSize()), now(taskClockMs));
        }
    }

    /**
     * Takes the {@code count} oldest entries out of the store: the scorable ones are scored as one
     * batch, the rest become dead letters.
     */
    private void flushOldest(int count, long startMs) {
        List<Bytes> keys = new ArrayList<>(count);
        List<PendingEvent> batch = new ArrayList<>(count);
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (keys.size() < count && it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                keys.add(entry.key);
                PendingEvent event = readOrDeadLetter(entry.value);
                if (event != null && hasModelShape(event)) {
                    batch.add(event);
                }
            }
        }
        if (!batch.isEmpty()) {
            score(batch, startMs);
        }
        for (Bytes key : keys) {
            store.delete(key);
        }
        pending -= keys.size();
        if (pending > 0) {
            try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
                oldestEnqueuedAtMs = PendingEvent.enqueuedAtMs(it.next().value);
            }
        }
    }

    private void score(List<PendingEvent> batch, long startMs) {
        List<byte[]> images = new ArrayList<>(batch.size());
        for (PendingEvent e : batch) {
            images.add(pixels(e.event()));
        }
        long start = System.nanoTime();
        FaultIsolatingScorer.Result result = scorer.score(images);
        long scoringNanos = System.nanoTime() - start;
        metrics.batch(batch.size(), policy.maxSize(), scoringNanos / 1e9);
        metrics.scoringFailures(result.failedPasses());

        long nowMs = startMs + TimeUnit.NANOSECONDS.toMillis(scoringNanos);
        lastScoredAtMs = nowMs;
        Instant now = Instant.ofEpochMilli(nowMs);
        for (int i = 0; i < batch.size(); i++) {
            PendingEvent e = batch.get(i);
            FaultIsolatingScorer.Outcome outcome = result.outcomes().get(i);
            if (outcome instanceof FaultIsolatingScorer.Scored s) {
                AnomalyScore score = decider.score(e.event(), s.batch(), s.index(), now);
                Record<byte[], Object> out = new Record<>(e.key(), score, e.recordTimestamp());
                // to every child that takes scores: the scores topic and the alerting steps
                children.scores().forEach(child -> context.forward(out, child));
                // the metric is the model's bits/dim whatever score kind decides
                metrics.scored(
                        score.getElboBpd(),
                        (nowMs - e.event().getEventTime().toEpochMilli()) / 1000.0);
            } else if (outcome instanceof FaultIsolatingScorer.Failed f) {
                deadLetter(
                        e,
                        DlqReason.SCORING_FAILED,
                        "The model failed to score the event in "
                                + f.attempts()
                                + " attempts: "
                                + f.detail());
            }
        }
    }

    /** The stored event, or null after sending an entry that is none to the dead-letter topic. */
    private PendingEvent readOrDeadLetter(byte[] stored) {
        try {
            return PendingEvent.fromBytes(stored);
        } catch (RuntimeException e) {
            deadLetter(
                    null,
                    stored,
                    context.currentSystemTimeMs(),
                    SourceRecord.UNKNOWN,
                    DlqReason.MALFORMED_MESSAGE,
                    "A pending event in the batching store cannot be read: " + e);
            return null;
        }
    }

    /**
     * Whether the event fits the model, else sends it to the dead-letter topic. Validation let in
     * only the model's shape, but the store may have restored events validated for the model before
     * a rollout.
     */
    private boolean hasModelShape(PendingEvent e) {
        ImageEvent event = e.event();
        boolean fits =
                event.getChannels() == engine.channels()
                        && event.getHeight() == engine.height()
                        && event.getWidth() == engine.width()
                        && event.getData().remaining() == imageBytes;
        if (!fits) {
            deadLetter(
                    e,
                    DlqReason.WRONG_SHAPE,
                    String.format(
                            "The pending event is %dx%d with %d channel(s) (%d bytes), queued"
                                    + " before a rollout to a model of %dx%d with %d channel(s).",
                            event.getWidth(),
                            event.getHeight(),
                            event.getChannels(),
                            event.getData().remaining(),
                            engine.width(),
                            engine.height(),
                            engine.channels()));
        }
        return fits;
    }

    private void deadLetter(PendingEvent e, DlqReason reason, String detail) {
        deadLetter(
                e.key(), e.validated().original(), e.recordTimestamp(), e.source(), reason, detail);
    }

    /** A pending event keeps no headers of its input record, so its dead letter has none. */
    private void deadLetter(
            byte[] key,
            byte[] value,
            long timestamp,
            SourceRecord source,
            DlqReason reason,
            String detail) {
        metrics.invalid(reason);
        DeadLetter letter =
                deadLetters.of(
                        key,
                        value,
                        new RecordHeaders(),
                        reason,
                        detail,
                        source.topic(),
                        source.partition(),
                        source.offset());
        context.forward(
                new Record<byte[], Object>(
                        letter.key(), letter.value(), timestamp, letter.headers()),
                children.deadLetters());
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
