package dev.flowwatch.flowpp.train;

/** Training cannot continue (e.g. the loss stays NaN/Inf); the message says why and what to try. */
public final class TrainingAbortedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TrainingAbortedException(String message) {
        super(message);
    }
}
