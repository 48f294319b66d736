package dev.flowwatch.streams;

import dev.flowwatch.schemas.SchemaRegistrySettings;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;
import dev.flowwatch.streams.metrics.ProbeStatus;

import java.time.Duration;
import java.util.Optional;

/**
 * What scoring may take. A stream thread waits on its batches without polling, and under
 * exactly-once with its transaction open; past {@code max.poll.interval.ms}, or past the producer's
 * {@code transaction.timeout.ms} under exactly-once, whichever is shorter, Kafka takes the thread's
 * tasks away, and the thread that gets one scores the same batch again: a batch slower than the
 * deadline would be scored for ever and never committed. So the start refuses settings whose
 * warm-up leaves too little room even for one task, and {@code /healthz} fails while a pass runs
 * past the deadline (a hung device or native call: the thread waiting on it neither fails nor
 * polls).
 *
 * @param time the deadline
 * @param key the setting that makes it
 */
record ScoringDeadline(Duration time, String key) {

    /**
     * Batch times one task's thread may wait for at once, as a margin rather than a bound: with
     * {@code batch.pipelined} the batch scored and the one queued, and a batch whose pass failed
     * scored again in halves. A thread with several tasks may wait for several tasks' batches.
     */
    static final int BATCHES_WAITED_FOR = 4;

    static ScoringDeadline of(AppConfig config) {
        ScoringDeadline polling =
                new ScoringDeadline(
                        config.maxPollInterval(), "kafka.consumer.max.poll.interval.ms");
        if (!config.exactlyOnce()
                || config.transactionTimeout().compareTo(config.maxPollInterval()) > 0) {
            return polling;
        }
        return new ScoringDeadline(
                config.transactionTimeout(), "kafka.producer.transaction.timeout.ms");
    }

    /**
     * Fails the start, naming the keys, unless {@code warmUp} (one batch on each of the passes that
     * may run at once, all at once) fits the deadline with the margin, and unless a schema
     * registry's retries (which the stream thread waits for too) stop before it.
     */
    void requireRoom(AppConfig config, Duration warmUp) {
        Duration needed = warmUp.multipliedBy(BATCHES_WAITED_FOR);
        if (needed.compareTo(time) > 0) {
            throw new InvalidConfigException(
                    String.format(
                            "a batch of batch.max.size=%d took %d ms after the warm-up, on each of"
                                + " model.concurrent.passes=%d at once, and a stream thread may"
                                + " wait for %d such batches, past %s=%d ms, after which Kafka"
                                + " would take the task away and its batch would be scored again,"
                                + " for ever: lower batch.max.size (or iw.samples), or raise %s to"
                                + " at least %d%s",
                            config.batchMaxSize(),
                            warmUp.toMillis(),
                            config.modelConcurrentPasses(),
                            BATCHES_WAITED_FOR,
                            key,
                            time.toMillis(),
                            key,
                            needed.toMillis(),
                            config.exactlyOnce()
                                    ? " (and kafka.consumer.max.poll.interval.ms with it; the"
                                            + " brokers' transaction.max.timeout.ms caps the"
                                            + " first)"
                                    : ""));
        }
        Optional<Duration> retries =
                config.schemaRegistry().map(SchemaRegistrySettings::retryBudget);
        if (retries.isPresent() && retries.get().compareTo(time) >= 0) {
            throw new InvalidConfigException(
                    String.format(
                            "schema.registry.retry.max.ms=%d must stay below %s=%d: a look-up"
                                    + " retrying that long holds its stream thread past it",
                            retries.get().toMillis(), key, time.toMillis()));
        }
    }

    /**
     * About how many tasks a stream thread may own before a backlog on all of them could outlast
     * the deadline: the margin's worth of batches for each.
     */
    long tasksPerThread(Duration warmUp) {
        return time.toNanos() / Math.max(1, warmUp.multipliedBy(BATCHES_WAITED_FOR).toNanos());
    }

    /** Failing while the oldest pass running has run past the deadline. */
    ProbeStatus health(Duration longestPass) {
        if (longestPass.compareTo(time) <= 0) {
            return ProbeStatus.OK;
        }
        return ProbeStatus.failing(
                String.format(
                        "a forward pass has run for %d s, past the %d s of %s: the model or its"
                                + " device hangs",
                        longestPass.toSeconds(), time.toSeconds(), key));
    }
}
