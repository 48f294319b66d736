package dev.flowwatch.streams.topology;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where an input record was read. A dead letter names it, so that the original record can be found
 * on the input topic; it travels with a pending event through the batching topic (in headers) and
 * the batching store, where the record's own metadata would name the batching topic instead.
 *
 * @param partition -1 and offset -1 when unknown (events pending since before it was kept)
 */
record SourceRecord(String topic, int partition, long offset) {

    static final SourceRecord UNKNOWN = new SourceRecord("", -1, -1);

    static final String HEADER_TOPIC = "flowwatch.source.topic";
    static final String HEADER_PARTITION = "flowwatch.source.partition";
    static final String HEADER_OFFSET = "flowwatch.source.offset";

    /** The record being processed, as the context knows it. */
    static SourceRecord current(ProcessorContext<?, ?> context) {
        return context.recordMetadata()
                .map((RecordMetadata m) -> new SourceRecord(m.topic(), m.partition(), m.offset()))
                .orElse(UNKNOWN);
    }

    /** Writes this into {@code headers}, replacing any a producer may have sent. */
    void stamp(Headers headers) {
        put(headers, HEADER_TOPIC, topic);
        put(headers, HEADER_PARTITION, Integer.toString(partition));
        put(headers, HEADER_OFFSET, Long.toString(offset));
    }

    /** What {@link #stamp} wrote, if these headers hold all of it. */
    static Optional<SourceRecord> stamped(Headers headers) {
        Header topic = headers.lastHeader(HEADER_TOPIC);
        Header partition = headers.lastHeader(HEADER_PARTITION);
        Header offset = headers.lastHeader(HEADER_OFFSET);
        if (topic == null || partition == null || offset == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    new SourceRecord(
                            text(topic),
                            Integer.parseInt(text(partition)),
                            Long.parseLong(text(offset))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A copy of {@code headers} without what {@link #stamp} wrote. */
    static Headers unstamped(Headers headers) {
        return RecordLimits.without(
                headers,
                key ->
                        key.equals(HEADER_TOPIC)
                                || key.equals(HEADER_PARTITION)
                                || key.equals(HEADER_OFFSET));
    }

    private static String text(Header header) {
        return header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
