package dev.flowwatch.streams;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.streams.engine.ScoringException;

import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a stream thread's death means.
 *
 * <ul>
 *   <li>Model or device failures ({@link ScoringException}, {@link BundleException}) and JVM {@link
 *       Error}s shut the client down: a new thread would fail on the same model, and the
 *       orchestrator should restart the process (the pending events wait in the changelog).
 *   <li>Anything else (a broker or network fault, a fenced producer, a timeout, a schema registry
 *       that cannot answer) replaces the thread: its tasks restart from the last commit, so
 *       exactly-once still holds. Each replacement is reported, and {@link ThreadReplacements}
 *       fails {@code /healthz} when they keep coming.
 * </ul>
 *
 * <p>Bad records never get here: they are decoded inside the topology and go to the dead-letter
 * topic; so do pending events the model cannot score while it still scores a known-good image
 * ({@link dev.flowwatch.streams.engine.FaultIsolatingScorer}), so a {@link ScoringException} here
 * means the model or the device failed.
 */
final class UncaughtExceptionPolicy implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(UncaughtExceptionPolicy.class);

    private final Runnable onReplace;

    /**
     * @param onReplace told of every thread replaced
     */
    UncaughtExceptionPolicy(Runnable onReplace) {
        this.onReplace = onReplace;
    }

    @Override
    public StreamThreadExceptionResponse handle(Throwable exception) {
        if (isFatal(exception)) {
            LOG.error("Model failure, shutting the Kafka Streams client down", exception);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        LOG.warn("Stream thread died, replacing it", exception);
        onReplace.run();
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** Kafka Streams wraps what a processor throws; look at the whole chain. */
    static boolean isFatal(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof ScoringException
                    || t instanceof BundleException
                    || t instanceof Error) {
                return true;
            }
        }
        return false;
    }
}
