package dev.flowwatch.streams.engine;

/**
 * The model could not score a batch. Not a problem of one event (those are rejected before they
 * reach the engine), so the app treats it as fatal rather than retrying the same batch forever.
 */
public final class ScoringException extends RuntimeException {

    public ScoringException(String message, Throwable cause) {
        super(message, cause);
    }

    public ScoringException(String message) {
        super(message);
    }
}
