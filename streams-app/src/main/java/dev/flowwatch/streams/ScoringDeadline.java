package dev.flowwatch.streams;

import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;
import dev.flowwatch.streams.metrics.ProbeStatus;

import java.time.Duration;

/**
 * What scoring may take. A stream thread waits on its batches with its task's transaction open
 * (exactly-once) or without polling (at-least-once); past {@link AppConfig#scoringDeadline()} Kafka
 * takes the task away, and the thread that gets it scores the same batch again: a batch slower than
 * the deadline would be scored for ever and never committed. So the start refuses settings whose
 * warm-up leaves too little room, and {@code /healthz} fails while a pass runs past the deadline (a
 * hung device or native call: the thread waiting on it neither fails nor polls).
 */
final class ScoringDeadline {

    /**
     * Batch times a thread may wait for at once, as a margin rather than a bound: with {@code
     * batch.pipelined} the batch scored and the one queued, and a batch whose pass failed scored
     * again in halves.
     */
    static final int BATCHES_WAITED_FOR = 4;

    private ScoringDeadline() {}

    /**
     * Fails the start, naming the keys, unless {@code warmUp} fits the deadline with the margin.
     */
    static void requireRoom(AppConfig config, Duration warmUp) {
        Duration deadline = config.scoringDeadline();
        Duration needed = warmUp.multipliedBy(BATCHES_WAITED_FOR);
        if (needed.compareTo(deadline) <= 0) {
            return;
        }
        throw new InvalidConfigException(
                String.format(
                        "the warm-up took %d ms for a batch of batch.max.size=%d on each of"
                            + " model.concurrent.passes=%d, and a stream thread may wait for %d"
                            + " batches at once, past %s=%d ms, after which Kafka would take the"
                            + " task away and its batch would be scored again, for ever: lower"
                            + " batch.max.size (or iw.samples), or raise %s to at least %d%s",
                        warmUp.toMillis(),
                        config.batchMaxSize(),
                        config.modelConcurrentPasses(),
                        BATCHES_WAITED_FOR,
                        deadlineKey(config),
                        deadline.toMillis(),
                        deadlineKey(config),
                        needed.toMillis(),
                        config.exactlyOnce()
                                ? " (the brokers' transaction.max.timeout.ms permitting)"
                                : ""));
    }

    /** Failing while the oldest pass running has run past the deadline. */
    static ProbeStatus health(Duration longestPass, AppConfig config) {
        Duration deadline = config.scoringDeadline();
        if (longestPass.compareTo(deadline) <= 0) {
            return ProbeStatus.OK;
        }
        return ProbeStatus.failing(
                String.format(
                        "a forward pass has run for %d s, past the %d s of %s: the model or its"
                                + " device hangs",
                        longestPass.toSeconds(), deadline.toSeconds(), deadlineKey(config)));
    }

    private static String deadlineKey(AppConfig config) {
        return config.exactlyOnce()
                ? "kafka.producer.transaction.timeout.ms"
                : "kafka.consumer.max.poll.interval.ms";
    }
}
