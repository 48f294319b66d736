package dev.flowwatch.streams.topology;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

import java.nio.charset.StandardCharsets;

/**
 * Dead letters of the batching step, with the headers of those the validation step writes ({@code
 * flowwatch.dlq.reason/detail/topic/partition/offset}), so that one consumer reads both.
 */
final class DeadLetters {

    private DeadLetters() {}

    static Record<byte[], byte[]> of(
            byte[] key,
            byte[] value,
            long timestamp,
            DlqReason reason,
            String detail,
            SourceRecord source) {
        Headers headers = new RecordHeaders();
        put(headers, ValidateProcessor.HEADER_REASON, reason.name());
        put(headers, ValidateProcessor.HEADER_DETAIL, detail);
        put(headers, ValidateProcessor.HEADER_TOPIC, source.topic());
        put(headers, ValidateProcessor.HEADER_PARTITION, Integer.toString(source.partition()));
        put(headers, ValidateProcessor.HEADER_OFFSET, Long.toString(source.offset()));
        return new Record<>(key, value, timestamp, headers);
    }

    private static void put(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
