package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.streams.engine.BatchScorer;
import dev.flowwatch.streams.engine.FaultIsolatingScorer;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;
import dev.flowwatch.streams.topology.DeadLetters.DeadLetter;

import org.apache.kafka.common.header.Headers;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Holds valid events until a batch is worth a forward pass, scores the batch in one engine call and
 * emits each event's score under the event's own key, to the scores topic and the alerting step.
 *
 * <p>A batch is flushed as soon as {@code batch.max.size} events are pending, or by a wall-clock
 * punctuation once the oldest pending event has waited {@code batch.max.delay.ms}.
 *
 * <p>Pipelined ({@code batch.pipelined}, the default), a batch is scored on the task's scoring
 * thread while the stream thread goes on decoding, validating and storing the events of the next
 * one, so that on a GPU the device does not wait for the CPU work of each batch. Up to {@value
 * #PIPELINE_DEPTH} batches are in flight: one being scored and a full one queued behind it, so that
 * under load the scoring thread goes from one to the next without waiting for the stream thread to
 * emit the first; a further full batch waits for the oldest, and a partial one for all. Scores are
 * emitted in order, by the first record or punctuation after their batch is done. Not pipelined,
 * the stream thread scores each batch itself and emits its scores at once.
 *
 * <p>Pending events live in a persistent, changelogged store, not in memory: under exactly-once the
 * store's changelog, the consumed offsets and the emitted scores commit together, so an event
 * either is still pending after a crash (restored and scored after restart) or has its score
 * committed, and never both. An event in flight stays in the store until its score is emitted, so a
 * commit while it is scored leaves it pending, and a task closed meanwhile leaves it to be scored
 * by the task's next owner. Keys are 8-byte big-endian sequence numbers, which the store orders
 * like the events arrived; the sequence resumes after the largest restored key.
 *
 * <p>No pending event can stop the stream: one the model cannot score ({@link FaultIsolatingScorer}
 * gives it {@code scoring.max-attempts} passes), one of another shape than the model's (restored
 * after a rollout of a model of another shape) and one the store cannot give back as an event all
 * leave the store as dead letters, in the same transaction as the scores of their batch, each
 * carrying the value its input record had. Nor can one that ends the process in its pass (a native
 * crash, the OOM killer): the task records the events of each pass in the {@link ScoringJournal}
 * before it starts; once restarted it scores the events of a pass that ended the process one at a
 * time, and gives up, as SCORING_FAILED, an event the process died with {@code
 * scoring.max-attempts} times.
 */
public final class BatchingProcessor implements Processor<byte[], ValidatedEvent, byte[], Object> {

    private static final Logger LOG = LoggerFactory.getLogger(BatchingProcessor.class);

    public static final String STORE = "pending-batch";

    /** Batches in flight at most, pipelined: one being scored, one queued. */
    static final int PIPELINE_DEPTH = 2;

    /** How long a closing task waits for its pass being scored. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    /**
     * When and how batches are scored.
     *
     * @param maxSize {@code batch.max.size}
     * @param maxDelayMs {@code batch.max.delay.ms}
     * @param punctuationMs how often the delay is checked
     * @param maxScoringAttempts {@code scoring.max-attempts}
     * @param pipelined {@code batch.pipelined}: score on a thread of the task's own
     */
    public record Policy(
            int maxSize,
            long maxDelayMs,
            long punctuationMs,
            int maxScoringAttempts,
            boolean pipelined) {}

    /** A batch being scored, still in the store: its events, their keys and its result. */
    private record InFlight(
            List<PendingEvent> batch,
            List<Bytes> keys,
            long startMs,
            long startNanos,
            CompletableFuture<Scoring> scoring) {}

    /** The outcome of each event of a batch, and how long the scorer took. */
    private record Scoring(FaultIsolatingScorer.Result result, long nanos) {}

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
    private final ScoringJournal scoringJournal;
    private final int imageBytes;

    private ProcessorContext<byte[], Object> context;
    private TaskJournal journal;
    private KeyValueStore<Bytes, byte[]> store;
    private long nextSequence;

    /** The sequence of the oldest stored event that is not in flight. */
    private long queuedFrom;

    /** Stored events not in flight. */
    private int pending;

    /** Null when not pipelined: the stream thread scores. */
    private ExecutorService scoringThread;

    /** Oldest first. */
    private final Deque<InFlight> inFlight = new ArrayDeque<>();

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
            Children children,
            ScoringJournal scoringJournal) {
        this.engine = engine;
        this.imageBytes = engine.channels() * engine.height() * engine.width();
        this.scorer =
                new FaultIsolatingScorer(batchScorer, imageBytes, policy.maxScoringAttempts());
        this.decider = decider;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.policy = policy;
        this.children = children;
        this.scoringJournal = scoringJournal;
    }

    /**
     * The batching step with its store; one processor, hence one store, per task.
     *
     * @param engine the model: its shape
     * @param batchScorer the forward pass (the engine itself, but for tests of failures)
     * @param deadLetters bounds the dead letters of pending events like those of validation
     * @param journal where each task records the events of its pass in flight
     */
    public static ProcessorSupplier<byte[], ValidatedEvent, byte[], Object> supplier(
            ScoringEngine engine,
            BatchScorer batchScorer,
            AnomalyDecider decider,
            DeadLetters deadLetters,
            FlowwatchMetrics metrics,
            Policy policy,
            Children children,
            ScoringJournal journal) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<byte[], ValidatedEvent, byte[], Object> get() {
                return new BatchingProcessor(
                        engine,
                        batchScorer,
                        decider,
                        deadLetters,
                        metrics,
                        policy,
                        children,
                        journal);
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
        this.journal = scoringJournal.open(context.taskId().toString());
        restore();
        if (policy.pipelined()) {
            String name = "flowwatch-scoring-" + context.taskId();
            scoringThread =
                    Executors.newSingleThreadExecutor(
                            task -> {
                                Thread t = new Thread(task, name);
                                t.setDaemon(true);
                                return t;
                            });
        }
        context.schedule(
                Duration.ofMillis(policy.punctuationMs()),
                PunctuationType.WALL_CLOCK_TIME,
                now -> {
                    emitScored();
                    flushDue(now);
                });
    }

    /**
     * Batches still in flight are dropped: their events stay in the store, unscored, for the task's
     * next owner (or this one after a restart). A batch queued behind the one being scored is
     * cancelled, so that it never takes the device from the tasks still open. The pass being scored
     * is waited for, up to {@link #CLOSE_WAIT}: a process that exits in it, as it may once the
     * streams closed, would leave its events counted as having killed the process ({@link
     * ScoringJournal}).
     */
    @Override
    public void close() {
        // a CompletableFuture cancelled before its task starts never calls its supplier
        inFlight.forEach(f -> f.scoring().cancel(false));
        inFlight.clear();
        if (scoringThread != null) {
            scoringThread.shutdown();
            try {
                if (!scoringThread.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn(
                            "Task {}: a forward pass still runs {} after the task closed",
                            context.taskId(),
                            CLOSE_WAIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Rebuilds the in-memory view (count, oldest, next sequence) of what the changelog restored.
     */
    private void restore() {
        pending = 0;
        nextSequence = 0;
        queuedFrom = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                if (pending == 0) {
                    oldestEnqueuedAtMs = PendingEvent.enqueuedAtMs(entry.value);
                }
                pending++;
                nextSequence = sequence(entry.key) + 1;
            }
        }
    }

    @Override
    public void process(Record<byte[], ValidatedEvent> record) {
        long now = now(context.currentSystemTimeMs());
        SourceRecord source =
                SourceRecord.stamped(record.headers())
                        .orElseGet(() -> SourceRecord.current(context));
        PendingEvent event =
                new PendingEvent(
                        record.key(),
                        record.timestamp(),
                        now,
                        source,
                        keptHeaders(record.headers()),
                        record.value());
        store.put(sequenceKey(nextSequence++), event.toBytes());
        if (pending++ == 0) {
            oldestEnqueuedAtMs = now;
        }
        emitScored();
        if (pending >= policy.maxSize()) {
            flushDue(now);
        }
    }

    /**
     * The input record's headers, but the app's own stamps, while they fit the bound validation
     * sets (a record another producer wrote to the batching topic was never validated): the
     * changelog's record is sized for no more.
     */
    private static Headers keptHeaders(Headers headers) {
        Headers kept = SourceRecord.unstamped(headers);
        return RecordLimits.sizeOf(null, kept) <= RecordLimits.MAX_KEY_AND_HEADERS_BYTES
                ? kept
                : new RecordHeaders();
    }

    /** The task's wall-clock time, corrected for batches scored since the clock was read. */
    private long now(long taskClockMs) {
        return Math.max(taskClockMs, lastScoredAtMs);
    }

    /**
     * Submits full batches, each once fewer than the pipeline's depth are in flight, then a partial
     * one if its oldest event has waited long enough, once none is.
     */
    private void flushDue(long taskClockMs) {
        while (pending >= policy.maxSize()
                || (pending > 0 && now(taskClockMs) - oldestEnqueuedAtMs >= policy.maxDelayMs())) {
            boolean full = pending >= policy.maxSize();
            // A partial batch does not queue: small batches behind small batches would each pay
            // a forward pass (measured: p99 latency 447-568 ms at half the rate, against 328-370).
            // Nor does it wait here: the stream thread goes on gathering events meanwhile, so
            // that under a backlog the batch is full by the time the device is free (waiting
            // here, 46.9 events per batch of 64 were scored under a backlog, against 60.9 not
            // pipelined); the next record or punctuation submits what is due then.
            if (!full && !inFlight.isEmpty()) {
                return;
            }
            // Waits for the oldest: the device is busy, and this is the backpressure.
            while (inFlight.size() >= PIPELINE_DEPTH) {
                emit();
            }
            submitOldest(Math.min(pending, policy.maxSize()), now(taskClockMs));
            emitScored(); // at once when the stream thread scored it
        }
    }

    /**
     * Takes the {@code count} oldest events that are not in flight: the scorable ones go to the
     * scorer as one batch, the rest become dead letters and leave the store.
     */
    private void submitOldest(int count, long startMs) {
        List<Bytes> keys = new ArrayList<>(count);
        List<PendingEvent> batch = new ArrayList<>(count);
        List<TaskJournal.Ref> refs = new ArrayList<>(count);
        List<Bytes> dropped = new ArrayList<>();
        int taken = 0;
        boolean alone = false;
        try (KeyValueIterator<Bytes, byte[]> it = queued()) {
            while (taken < count && it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                PendingEvent event = readOrDeadLetter(entry.value);
                TaskJournal.Ref ref = event == null ? null : TaskJournal.Ref.of(event);
                TaskJournal.Crashes crashes =
                        ref == null ? TaskJournal.Crashes.NONE : journal.crashes(ref);
                boolean suspect = crashes.total() > 0;
                if (suspect && !batch.isEmpty()) {
                    break; // scored alone, in the next batch
                }
                taken++;
                queuedFrom = sequence(entry.key) + 1;
                if (event == null || !hasModelShape(event) || givenUp(event, ref, crashes)) {
                    dropped.add(entry.key);
                    continue;
                }
                batch.add(event);
                keys.add(entry.key);
                refs.add(ref);
                if (suspect) {
                    alone = true; // of the events its process died with, only it dies again
                    break;
                }
            }
        }
        dropped.forEach(store::delete);
        pending -= taken;
        if (pending > 0) {
            try (KeyValueIterator<Bytes, byte[]> it = queued()) {
                oldestEnqueuedAtMs = PendingEvent.enqueuedAtMs(it.next().value);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        List<byte[]> images = new ArrayList<>(batch.size());
        for (PendingEvent e : batch) {
            images.add(pixels(e.event()));
        }
        boolean suspectAlone = alone;
        // this task's journal now: a revived task (closed and initialised again) has another
        TaskJournal taskJournal = journal;
        inFlight.add(
                new InFlight(
                        batch,
                        keys,
                        startMs,
                        System.nanoTime(),
                        CompletableFuture.supplyAsync(
                                () -> {
                                    TaskJournal.Pass pass =
                                            taskJournal.passStarting(refs, suspectAlone);
                                    long start = System.nanoTime();
                                    FaultIsolatingScorer.Result result;
                                    try {
                                        result = scorer.score(images);
                                    } catch (RuntimeException e) {
                                        pass.ended();
                                        throw e;
                                    } catch (Error e) {
                                        // the process exits on an Error (UncaughtExceptionPolicy):
                                        // as good as dying in the pass
                                        pass.abandoned();
                                        throw e;
                                    }
                                    pass.ended();
                                    return new Scoring(result, System.nanoTime() - start);
                                },
                                scoringThread != null ? scoringThread : Runnable::run)));
    }

    /**
     * Whether the process died in {@code scoring.max-attempts} passes of the event, at least one of
     * them with the event alone (and no other pass in the process); if so, sends it to the
     * dead-letter topic. The model scored a blank batch in this very process before the stream
     * started, so it is the event, not the model, that the process keeps dying with.
     */
    private boolean givenUp(PendingEvent e, TaskJournal.Ref ref, TaskJournal.Crashes crashes) {
        if (crashes.total() < policy.maxScoringAttempts() || crashes.alone() == 0) {
            return false;
        }
        LOG.error(
                "Task {}: the process ended {} times while event {} was being scored, {} of them"
                        + " with the event alone; giving it up",
                context.taskId(),
                crashes.total(),
                ref.eventId(),
                crashes.alone());
        deadLetter(
                e,
                DlqReason.SCORING_FAILED,
                "The process ended "
                        + crashes.total()
                        + " times while the event was being scored, "
                        + crashes.alone()
                        + " of them with the event alone (a native crash, or a kill such as the"
                        + " OOM killer's or a liveness probe's of a pass that hung).");
        // not settled: until its dead letter commits, a death would bring it back uncounted
        return true;
    }

    /** The stored events that are not in flight, oldest first. */
    private KeyValueIterator<Bytes, byte[]> queued() {
        return store.range(sequenceKey(queuedFrom), null);
    }

    /** Emits the batches in flight that are done, oldest first, up to the first that is not. */
    private void emitScored() {
        while (!inFlight.isEmpty() && inFlight.peek().scoring().isDone()) {
            emit();
        }
    }

    /**
     * Waits for the oldest batch in flight, emits the score of each event of it, or its dead
     * letter, and takes the batch out of the store, all in the transaction of this record or
     * punctuation.
     */
    private void emit() {
        InFlight f = inFlight.remove();
        Scoring scoring;
        try {
            scoring = f.scoring().join();
        } catch (CompletionException e) {
            // what the fault isolation does not contain fails the task, as when scored here
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
        List<PendingEvent> batch = f.batch();
        FaultIsolatingScorer.Result result = scoring.result();
        metrics.batch(batch.size(), policy.maxSize(), scoring.nanos() / 1e9);
        metrics.scoringFailures(result.failedPasses());

        long nowMs =
                f.startMs() + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - f.startNanos());
        lastScoredAtMs = Math.max(lastScoredAtMs, nowMs);
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
            } else if (outcome instanceof FaultIsolatingScorer.Failed failed) {
                deadLetter(
                        e,
                        DlqReason.SCORING_FAILED,
                        "The model failed to score the event in "
                                + failed.attempts()
                                + " attempts: "
                                + failed.detail());
            }
        }
        f.keys().forEach(store::delete);
        batch.forEach(e -> journal.settled(TaskJournal.Ref.of(e)));
    }

    /** The stored event, or null after sending an entry that is none to the dead-letter topic. */
    private PendingEvent readOrDeadLetter(byte[] stored) {
        try {
            return PendingEvent.fromBytes(stored);
        } catch (RuntimeException e) {
            deadLetter(
                    null,
                    stored,
                    new RecordHeaders(),
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
                e.key(),
                e.validated().original(),
                e.headers(),
                e.recordTimestamp(),
                e.source(),
                reason,
                detail);
    }

    /** With the input record's headers, as the pending event kept them. */
    private void deadLetter(
            byte[] key,
            byte[] value,
            Headers headers,
            long timestamp,
            SourceRecord source,
            DlqReason reason,
            String detail) {
        metrics.invalid(reason);
        DeadLetter letter =
                deadLetters.of(
                        key,
                        value,
                        headers,
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

    private static long sequence(Bytes key) {
        return ByteBuffer.wrap(key.get()).getLong();
    }

    private static Bytes sequenceKey(long sequence) {
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES).putLong(sequence).array());
    }
}
