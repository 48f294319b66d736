package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.MessageDecodingException;
import dev.flowwatch.streams.topology.DeadLetters.DeadLetter;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

import java.util.List;
import java.util.Map;

/**
 * Sends a record that a source cannot deserialize to the dead-letter topic and goes on (KIP-1034's
 * dead-letter records, written in the task's transaction), with the same headers as the dead
 * letters of {@link ValidateProcessor}.
 *
 * <p>The images source reads bytes and never fails; the batching topic's source decodes {@link
 * ValidatedEvent}s, and a record there that this version cannot read (another producer's, or one
 * written with a newer schema during a rolling upgrade) would otherwise stop the thread on every
 * restart.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    private DeadLetterRoute route;

    @Override
    public void configure(Map<String, ?> configs) {
        route = DeadLetterRoute.from(configs);
    }

    @Override
    public Response handleError(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception error) {
        DlqReason reason = DlqReason.MALFORMED_MESSAGE;
        String detail = String.valueOf(error);
        if (error instanceof MessageDecodingException e) {
            reason = ImageValidator.reasonFor(e);
            detail = e.problem() + ": " + e.getMessage();
        }
        route.metrics().invalid(reason);
        DeadLetter letter =
                route.letters()
                        .of(
                                record.key(),
                                record.value(),
                                record.headers(),
                                reason,
                                detail,
                                record.topic(),
                                record.partition(),
                                record.offset());
        return Response.resume(
                List.of(
                        new ProducerRecord<>(
                                route.topic(),
                                null,
                                // a record read without a timestamp is written with the time now
                                record.timestamp() < 0 ? null : record.timestamp(),
                                letter.key(),
                                letter.value(),
                                letter.headers())));
    }
}
