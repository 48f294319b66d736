package dev.flowwatch.schemas;

import org.apache.kafka.common.errors.SerializationException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Bytes on a topic that are not a flowwatch record in Avro single-object encoding or a schema
 * registry's frame.
 *
 * <p>It extends Kafka's {@link SerializationException} so that a Kafka Streams deserialization
 * exception handler sees it like any other bad record; {@link #problem()} lets such a handler label
 * the record (for a dead-letter topic or a metric) without parsing the message.
 */
public final class MessageDecodingException extends SerializationException {

    /** What was wrong with the bytes. */
    public enum Problem {
        /** Fewer bytes than the single-object header needs. */
        TOO_SHORT,
        /**
         * The bytes start with neither the single-object marker {@code C3 01} nor, where a
         * registry is configured, a registry frame's {@code 00}; or the headers name an encoding
         * other than Avro binary.
         */
        BAD_MARKER,
        /** The header names a writer schema this reader was not given. */
        UNKNOWN_FINGERPRINT,
        /** The frame or headers name a registry id under which the registry holds no Avro schema. */
        UNKNOWN_SCHEMA_ID,
        /** The registry's writer schema cannot be read as this record (e.g. a field removed). */
        INCOMPATIBLE_SCHEMA,
        /** The body does not decode with the writer schema the header names. */
        UNDECODABLE_BODY,
        /** The body decoded but bytes were left over. */
        TRAILING_BYTES
    }

    /** Marker (2 bytes) and CRC-64-AVRO fingerprint (8 bytes) of the single-object encoding. */
    static final int HEADER_LENGTH = 10;

    private final Problem problem;

    private MessageDecodingException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    /** The header could not be read: either too few bytes or the wrong marker. */
    static MessageDecodingException badHeader(String record, String topic, byte[] data) {
        if (data.length < HEADER_LENGTH) {
            return new MessageDecodingException(
                    Problem.TOO_SHORT,
                    String.format(
                            "Cannot decode %s from topic %s: message has %d bytes, fewer than the"
                                    + " %d-byte single-object header",
                            record, topic, data.length, HEADER_LENGTH),
                    null);
        }
        return new MessageDecodingException(
                Problem.BAD_MARKER,
                String.format(
                        "Cannot decode %s from topic %s: missing single-object header, first bytes"
                                + " are 0x%02X 0x%02X instead of 0xC3 0x01%s",
                        record,
                        topic,
                        data[0],
                        data[1],
                        data[0] == 0
                                ? " (0x00 starts a schema registry's frame, which needs a registry"
                                        + " to read: schema.registry.url)"
                                : ""),
                null);
    }

    /** A registry frame with fewer bytes than its id takes. */
    static MessageDecodingException shortFrame(String record, String topic, byte[] data) {
        return new MessageDecodingException(
                Problem.TOO_SHORT,
                String.format(
                        "Cannot decode %s from topic %s: message has %d bytes, fewer than a"
                                + " registry frame's marker and id",
                        record, topic, data.length),
                null);
    }

    /** Apicurio's headers say the body is not Avro binary (e.g. JSON). */
    static MessageDecodingException unsupportedEncoding(
            String record, String topic, String encoding) {
        return new MessageDecodingException(
                Problem.BAD_MARKER,
                String.format(
                        "Cannot decode %s from topic %s: the headers say the body is %s; only"
                                + " Avro binary is read",
                        record, topic, encoding),
                null);
    }

    static MessageDecodingException unknownSchemaId(String record, String topic, RegistryId id) {
        return new MessageDecodingException(
                Problem.UNKNOWN_SCHEMA_ID,
                String.format(
                        "Cannot decode %s from topic %s: the schema registry holds no Avro schema"
                                + " under %s",
                        record, topic, id),
                null);
    }

    static MessageDecodingException incompatibleSchema(
            String record, String topic, RegistryId id, String why) {
        return new MessageDecodingException(
                Problem.INCOMPATIBLE_SCHEMA,
                String.format(
                        "Cannot decode %s from topic %s: the writer schema %s cannot be read as"
                                + " this version of %s: %s",
                        record, topic, id, record, why),
                null);
    }

    static MessageDecodingException unknownFingerprint(String record, String topic, byte[] data) {
        long fingerprint = ByteBuffer.wrap(data, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new MessageDecodingException(
                Problem.UNKNOWN_FINGERPRINT,
                String.format(
                        "Cannot decode %s from topic %s: unknown writer schema fingerprint 0x%016X;"
                                + " the producer uses a schema version this reader does not know",
                        record, topic, fingerprint),
                null);
    }

    static MessageDecodingException undecodableBody(
            String record, String topic, int length, Exception cause) {
        return new MessageDecodingException(
                Problem.UNDECODABLE_BODY,
                String.format(
                        "Cannot decode %s from topic %s: body of the %d-byte message is truncated"
                                + " or corrupt (%s)",
                        record, topic, length, rootMessage(cause)),
                cause);
    }

    static MessageDecodingException trailingBytes(
            String record, String topic, int length, int left) {
        return new MessageDecodingException(
                Problem.TRAILING_BYTES,
                String.format(
                        "Cannot decode %s from topic %s: %d of the message's %d bytes are left"
                                + " after the record",
                        record, topic, left, length),
                null);
    }

    // Avro wraps the telling exception (EOFException, "Malformed data...") in a generic one.
    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null
                ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
