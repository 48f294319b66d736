package dev.flowwatch.streams.topology;

/**
 * Why a record went to the dead-letter topic; the value of its {@code flowwatch.dlq.reason} header
 * and the {@code reason} label of {@code flowwatch_events_invalid_total}.
 */
public enum DlqReason {
    /** No value, or zero bytes. */
    EMPTY_PAYLOAD,
    /**
     * A value of more bytes than {@code max.payload.bytes}, or a key and headers of more than
     * {@link RecordLimits#MAX_KEY_AND_HEADERS_BYTES}.
     */
    OVERSIZE_PAYLOAD,
    /** Not an ImageEvent in Avro single-object encoding; the detail names the decoding problem. */
    MALFORMED_MESSAGE,
    /** An ImageEvent written with a schema version this app does not know. */
    UNKNOWN_SCHEMA,
    /** The data is not in the encoding the event declares (e.g. JPEG bytes declared as PNG). */
    BAD_ENCODING,
    /** The data is in the declared encoding but cannot be decoded, or has the wrong length. */
    BAD_IMAGE_BYTES,
    /**
     * The image is not of the model's width, height and channel kind; also an event that waited in
     * the batching store while a model of another shape was rolled out.
     */
    WRONG_SHAPE,
    /**
     * Validating the record threw something no check expected (a decoder's error, a bug); the
     * detail names it.
     */
    VALIDATION_FAILED,
    /**
     * The model failed to score the event on its own {@code scoring.max-attempts} times while it
     * still scored a known-good image, or the process died that many times in a pass of the event
     * ({@link ScoringJournal}); the value is the input record's, which the images topic takes back
     * for a replay.
     */
    SCORING_FAILED
}
