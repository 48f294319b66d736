package dev.flowwatch.streams.topology;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Builds the dead letter of a record so that the producer can always write it: a dead letter that
 * cannot be written fails the transaction, the record is read again, and one record stops the
 * stream.
 *
 * <p>A dead letter carries the original key, headers and value with the reason and where the record
 * was read, within fixed bounds: at most {@code dlq.max.value.bytes} of the value (with the whole
 * value's size and SHA-256 in headers when it is cut), the first {@link
 * RecordLimits#MAX_KEY_AND_HEADERS_BYTES} of the key, the original headers only while they fit in
 * that bound too, and a detail of at most {@link #MAX_DETAIL_CHARS} characters. Everything but the
 * value then fits in {@link RecordLimits#ENVELOPE_BYTES}.
 */
public final class DeadLetters {

    private static final String OWN_PREFIX = "flowwatch.dlq.";

    public static final String HEADER_REASON = "flowwatch.dlq.reason";
    public static final String HEADER_DETAIL = "flowwatch.dlq.detail";
    public static final String HEADER_TOPIC = "flowwatch.dlq.topic";
    public static final String HEADER_PARTITION = "flowwatch.dlq.partition";
    public static final String HEADER_OFFSET = "flowwatch.dlq.offset";

    /** The size of the original value, when the dead letter carries only its prefix. */
    public static final String HEADER_ORIGINAL_SIZE = "flowwatch.dlq.original.size";

    /** The size of the original headers, when the dead letter carries none of them. */
    public static final String HEADER_ORIGINAL_HEADERS_SIZE = "flowwatch.dlq.original.headers.size";

    /** The size of the original key, when the dead letter carries only its prefix. */
    public static final String HEADER_ORIGINAL_KEY_SIZE = "flowwatch.dlq.original.key.size";

    /** The SHA-256 (hex) of the original value, when the dead letter carries only its prefix. */
    public static final String HEADER_ORIGINAL_SHA256 = "flowwatch.dlq.original.sha256";

    /** At 4 bytes a character in UTF-8 at most, the detail header stays within 4 KB. */
    static final int MAX_DETAIL_CHARS = 1000;

    /** The parts of a dead letter, ready for a sink or a producer. */
    public record DeadLetter(byte[] key, byte[] value, Headers headers) {}

    private final int maxValueBytes;

    /**
     * @param maxValueBytes {@code dlq.max.value.bytes}: the longest value prefix carried
     */
    public DeadLetters(int maxValueBytes) {
        this.maxValueBytes = maxValueBytes;
    }

    /**
     * The dead letter of a record read at {@code topic}/{@code partition}/{@code offset} (topic
     * null when unknown).
     */
    public DeadLetter of(
            byte[] key,
            byte[] value,
            Headers original,
            DlqReason reason,
            String detail,
            String topic,
            int partition,
            long offset) {
        StringBuilder fullDetail = new StringBuilder(cut(detail));
        Headers headers = new RecordHeaders();
        int originalHeaderBytes = RecordLimits.sizeOf(null, original);
        if (originalHeaderBytes <= RecordLimits.MAX_KEY_AND_HEADERS_BYTES) {
            withoutOwnHeaders(original).forEach(headers::add);
        } else {
            fullDetail.append(
                    String.format(
                            " (the original headers, %d bytes, are dropped)", originalHeaderBytes));
            put(headers, HEADER_ORIGINAL_HEADERS_SIZE, Integer.toString(originalHeaderBytes));
        }
        byte[] outKey = key;
        if (key != null && key.length > RecordLimits.MAX_KEY_AND_HEADERS_BYTES) {
            outKey = Arrays.copyOf(key, RecordLimits.MAX_KEY_AND_HEADERS_BYTES);
            put(headers, HEADER_ORIGINAL_KEY_SIZE, Integer.toString(key.length));
            fullDetail.append(
                    String.format(
                            " (the key is cut to its first %d of %d bytes)",
                            outKey.length, key.length));
        }
        byte[] outValue = value;
        if (value != null && value.length > maxValueBytes) {
            outValue = Arrays.copyOf(value, maxValueBytes);
            put(headers, HEADER_ORIGINAL_SIZE, Integer.toString(value.length));
            put(headers, HEADER_ORIGINAL_SHA256, sha256(value));
        }
        put(headers, HEADER_REASON, reason.name());
        put(headers, HEADER_DETAIL, fullDetail.toString());
        if (topic != null) {
            put(headers, HEADER_TOPIC, topic);
            put(headers, HEADER_PARTITION, Integer.toString(partition));
            put(headers, HEADER_OFFSET, Long.toString(offset));
        }
        return new DeadLetter(outKey, outValue, headers);
    }

    /** {@code headers} but those a dead letter carries of its own ({@code flowwatch.dlq.*}). */
    public static Headers withoutOwnHeaders(Headers headers) {
        return RecordLimits.without(headers, key -> key.startsWith(OWN_PREFIX));
    }

    private static String cut(String detail) {
        return detail.length() <= MAX_DETAIL_CHARS
                ? detail
                : detail.substring(0, MAX_DETAIL_CHARS - 1) + "…";
    }

    private static void put(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
