package dev.flowwatch.streams.topology;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Puts where each valid event was read into its headers, before it leaves for batching: past the
 * batching topic, the record's own metadata no longer names the input record a dead letter must
 * point to. Headers a producer sent under the same names are replaced, never trusted.
 */
final class StampSourceProcessor implements Processor<byte[], ValidatedEvent, byte[], ValidatedEvent> {

    private ProcessorContext<byte[], ValidatedEvent> context;

    @Override
    public void init(ProcessorContext<byte[], ValidatedEvent> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], ValidatedEvent> record) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        SourceRecord.current(context).stamp(headers);
        context.forward(record.withHeaders(headers));
    }
}
