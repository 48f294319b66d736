package dev.flowwatch.streams.topology;

import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.ByteUtils;

import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * What every record the app writes must fit in, and the check that the settings allow it.
 *
 * <p>The producer refuses a record larger than its {@code max.request.size} (before compression),
 * and under exactly-once a refused record aborts the transaction: the input is read again and fails
 * again. So each record the app writes must fit whatever it read: a dead letter carries at most
 * {@code dlq.max.value.bytes} of value ({@link DeadLetters}), a valid event on its way to a batch
 * ({@link ValidatedEvent}) at most {@code max.payload.bytes} of input plus its decoded pixels and
 * {@link #MAX_EVENT_FIELDS_BYTES} of its other fields, and either carries at most {@link
 * #MAX_KEY_AND_HEADERS_BYTES} of key and headers; {@link #ENVELOPE_BYTES} covers the rest.
 */
public final class RecordLimits {

    /** Key and headers a valid record may carry, and the most of them a dead letter keeps. */
    public static final int MAX_KEY_AND_HEADERS_BYTES = 8 * 1024;

    /** Id, source and attributes an event may carry besides its image (UTF-8 bytes). */
    public static final int MAX_EVENT_FIELDS_BYTES = 8 * 1024;

    /**
     * Room for everything but the input value and the pixels: the key and original headers (twice
     * {@link #MAX_KEY_AND_HEADERS_BYTES}), the dead-letter headers (under 5 KB), a valid event's
     * fields besides its image ({@link #MAX_EVENT_FIELDS_BYTES}, with Avro's length prefixes), and
     * Kafka's record and batch framing (under 100 bytes).
     */
    public static final int ENVELOPE_BYTES = 32 * 1024;

    private RecordLimits() {}

    /** A copy of {@code headers} without those whose key {@code dropped} accepts. */
    public static Headers without(Headers headers, Predicate<String> dropped) {
        Headers out = new RecordHeaders();
        for (Header h : headers) {
            if (!dropped.test(h.key())) {
                out.add(h);
            }
        }
        return out;
    }

    /**
     * Bytes of the key and of the headers as the producer writes them: each header's name and value
     * with their length prefixes, so that many headers of nothing still count (two bytes each: 600
     * 000 of them make a record past the producer's 1 MiB).
     */
    public static int sizeOf(byte[] key, Headers headers) {
        long size = key == null ? 0 : key.length;
        for (Header h : headers) {
            int name = h.key().getBytes(StandardCharsets.UTF_8).length;
            size += ByteUtils.sizeOfVarint(name) + name;
            size +=
                    h.value() == null
                            ? ByteUtils.sizeOfVarint(-1)
                            : ByteUtils.sizeOfVarint(h.value().length) + h.value().length;
        }
        return (int) Math.min(size, Integer.MAX_VALUE);
    }

    /**
     * Fails the start, naming the keys, unless every record the app may write fits in the
     * producer's {@code max.request.size}.
     *
     * @param pixelBytes bytes of one decoded image of the model's shape (C*H*W)
     */
    public static void requireFit(AppConfig config, int pixelBytes) {
        long limit = config.producerMaxRequestSize();
        long event = (long) config.maxPayloadBytes() + pixelBytes + ENVELOPE_BYTES;
        if (event > limit) {
            throw new InvalidConfigException(
                    String.format(
                            "max.payload.bytes=%d: a valid event of that size, decoded to the"
                                    + " model's %d pixel bytes, with %d bytes for key, headers and"
                                    + " framing, would not fit the producer's max.request.size=%d"
                                    + " (kafka.producer.max.request.size): lower max.payload.bytes"
                                    + " to at most %d or raise max.request.size (and the topics'"
                                    + " max.message.bytes)",
                            config.maxPayloadBytes(),
                            pixelBytes,
                            ENVELOPE_BYTES,
                            limit,
                            limit - pixelBytes - ENVELOPE_BYTES));
        }
        if ((long) config.dlqMaxValueBytes() + ENVELOPE_BYTES > limit) {
            throw new InvalidConfigException(
                    String.format(
                            "dlq.max.value.bytes=%d: with %d bytes for key, headers and framing a"
                                    + " dead letter would not fit the producer's"
                                    + " max.request.size=%d (kafka.producer.max.request.size):"
                                    + " lower dlq.max.value.bytes to at most %d",
                            config.dlqMaxValueBytes(),
                            ENVELOPE_BYTES,
                            limit,
                            limit - ENVELOPE_BYTES));
        }
    }
}
