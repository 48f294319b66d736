package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.SchemaRegistryUnavailableException;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;
import dev.flowwatch.streams.topology.DeadLetters.DeadLetter;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.util.Optional;

/**
 * Decodes and validates each record of the images topic: valid events go on to batching, the rest
 * to the dead-letter topic with their original key and value bytes and the reason in headers.
 *
 * <p>Decoding here rather than in a source deserializer keeps bad bytes from ever reaching the
 * deserialization or uncaught exception handlers: a bad record costs one DLQ write, never a thread.
 * Whatever validating one record throws, an {@link Error} from a decoder included, is that record's
 * fault: it becomes a dead letter, since a thread that died on it would read it again. Only a
 * schema registry that cannot answer fails the task instead: whether the record is good is not
 * known yet, and an outage must not turn all traffic into dead letters.
 */
public final class ValidateProcessor implements Processor<byte[], byte[], byte[], Object> {

    private final ImageValidator validator;
    private final DeadLetters deadLetters;
    private final FlowwatchMetrics metrics;
    private final String validChild;
    private final String dlqChild;
    private ProcessorContext<byte[], Object> context;

    /**
     * @param validChild the node that takes valid events ({@link ValidatedEvent} values)
     * @param dlqChild the dead-letter sink (byte[] values)
     */
    public ValidateProcessor(
            ImageValidator validator,
            DeadLetters deadLetters,
            FlowwatchMetrics metrics,
            String validChild,
            String dlqChild) {
        this.validator = validator;
        this.deadLetters = deadLetters;
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
        Optional<RecordMetadata> metadata = context.recordMetadata();
        String topic = metadata.map(RecordMetadata::topic).orElse("");
        ImageEvent event;
        try {
            requireSmallKeyAndHeaders(record);
            event = validator.validate(topic, record.headers(), record.value());
        } catch (InvalidEventException e) {
            deadLetter(record, metadata, e);
            return;
        } catch (SchemaRegistryUnavailableException e) {
            // An outage is no fault of the record: failing the task reads it again once restarted.
            throw e;
        } catch (RuntimeException | Error e) {
            deadLetter(
                    record,
                    metadata,
                    new InvalidEventException(
                            DlqReason.VALIDATION_FAILED, "Validating the record threw " + e));
            return;
        }
        context.forward(record.withValue(new ValidatedEvent(event, record.value())), validChild);
    }

    /** Scores and batching records carry the key, and the batching topic the headers too. */
    private static void requireSmallKeyAndHeaders(Record<byte[], byte[]> record)
            throws InvalidEventException {
        int size = RecordLimits.sizeOf(record.key(), record.headers());
        if (size > RecordLimits.MAX_KEY_AND_HEADERS_BYTES) {
            throw new InvalidEventException(
                    DlqReason.OVERSIZE_PAYLOAD,
                    "The record's key and headers have "
                            + size
                            + " bytes, more than the "
                            + RecordLimits.MAX_KEY_AND_HEADERS_BYTES
                            + " a record may carry besides its value.");
        }
    }

    private void deadLetter(
            Record<byte[], byte[]> record,
            Optional<RecordMetadata> metadata,
            InvalidEventException e) {
        metrics.invalid(e.reason());
        DeadLetter letter =
                deadLetters.of(
                        record.key(),
                        record.value(),
                        record.headers(),
                        e.reason(),
                        e.detail(),
                        metadata.map(RecordMetadata::topic).orElse(null),
                        metadata.map(RecordMetadata::partition).orElse(-1),
                        metadata.map(RecordMetadata::offset).orElse(-1L));
        context.forward(
                new Record<byte[], Object>(
                        letter.key(), letter.value(), record.timestamp(), letter.headers()),
                dlqChild);
    }
}
