package dev.flowwatch.streams.topology;

/** A record that cannot be scored; it goes to the dead-letter topic with the reason and detail. */
public final class InvalidEventException extends Exception {

    private final DlqReason reason;

    public InvalidEventException(DlqReason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    public DlqReason reason() {
        return reason;
    }

    /** A sentence for people reading the dead-letter topic. */
    public String detail() {
        return getMessage();
    }
}
