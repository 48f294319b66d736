package dev.flowwatch.streams.engine;

/**
 * The model could not score a batch. {@link FaultIsolatingScorer} tells whether the batch is to
 * blame (its unscorable events go to the dead-letter topic) or the model and device (rethrown: the
 * app stops rather than retrying forever).
 */
public final class ScoringException extends RuntimeException {

    public ScoringException(String message, Throwable cause) {
        super(message, cause);
    }

    public ScoringException(String message) {
        super(message);
    }
}
