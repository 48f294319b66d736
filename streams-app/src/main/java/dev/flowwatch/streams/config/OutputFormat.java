package dev.flowwatch.streams.config;

/** How the app writes scores and alerts: {@code output.format}. */
public enum OutputFormat {
    /** Avro single-object encoding: {@code C3 01}, the schema's fingerprint, the body. */
    SINGLE_OBJECT("single-object"),
    /**
     * The Confluent frame of a schema registry: {@code 00}, the 4-byte id of the schema registered
     * under {@code <topic>-value}, the body; what stock registry-aware consumers read.
     */
    REGISTRY("registry");

    private final String id;

    OutputFormat(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The format whose {@link #id()} is {@code id}; IllegalArgumentException for any other. */
    static OutputFormat parse(String id) {
        for (OutputFormat f : values()) {
            if (f.id.equals(id)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown output format '" + id + "'");
    }
}
