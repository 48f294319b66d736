package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.charset.StandardCharsets;

/**
 * Decodes and validates each record of the images topic: valid events go on to batching, the rest
 * to the dead-letter topic with their original key and value bytes and the reason in headers.
 *
 * <p>Decoding here rather than in a source deserializer keeps bad bytes from ever reaching the
 * deserialization or uncaught exception handlers: a bad record costs one DLQ write, never a thread.
 */
public final class ValidateProcessor implements Processor<byte[], byte[], byte[], Object> {

    public static final String HEADER_REASON = "flowwatch.dlq.reason";
    public static final String HEADER_DETAIL = "flowwatch.dlq.detail";
    public static final String HEADER_TOPIC = "flowwatch.dlq.topic";
    public static final String HEADER_PARTITION = "flowwatch.dlq.partition";
    public static final String HEADER_OFFSET = "flowwatch.dlq.offset";

    private final ImageValidator validator;
    private final FlowwatchMetrics metrics;
    private final String validChild;
    private final String dlqChild;
    private ProcessorContext<byte[], Object> context;

    /**
     * @param validChild the node that takes valid events (ImageEvent values)
     * @param dlqChild the dead-letter sink (byte[] values)
     */
    public ValidateProcessor(
            ImageValidator validator,
            FlowwatchMetrics metrics,
            String validChild,
            String dlqChild) {
        this.validator = validator;
        this.metrics = metrics;
        this.validChild = validChild;
        this.dlqChild = dlqChild;
    }

    @Override
    public void init(ProcessorContext<byte[], Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.eventIn();
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("");
        ImageEvent event;
        try {
            event = validator.validate(topic, record.value());
        } catch (InvalidEventException e) {
            metrics.invalid(e.reason());
            context.forward(record.withHeaders(dlqHeaders(record, e)), dlqChild);
            return;
        }
        context.forward(record.withValue(event), validChild);
    }

    private Headers dlqHeaders(Record<byte[], byte[]> record, InvalidEventException e) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        put(headers, HEADER_REASON, e.reason().name());
        put(headers, HEADER_DETAIL, e.detail());
        context.recordMetadata()
                .ifPresent(
                        m -> {
                            put(headers, HEADER_TOPIC, m.topic());
                            put(headers, HEADER_PARTITION, Integer.toString(m.partition()));
                            put(headers, HEADER_OFFSET, Long.toString(m.offset()));
                        });
        return headers;
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
