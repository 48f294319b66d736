package dev.flowwatch.streams.topology;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Skips a dead letter the broker or producer will never accept, and fails on everything else.
 *
 * <p>A dead letter is the last stop of a bad record: failing on it would read the record again and
 * fail again, forever. Skipping it loses only the copy of a record that was already bad, so it is
 * logged with where the record was read (from the dead letter's headers) and counted in {@code flowwatch_dlq_write_failures_total}.
 * A score or alert is never skipped: those records fail as Kafka's default handler would have them.
 *
 * <p>Under exactly-once the producer aborts the transaction after any refused record whatever this
 * handler answers, so there the guarantee is that dead letters are built to fit ({@link
 * DeadLetters}, {@link RecordLimits}); this handler covers at-least-once and a broker whose topic
 * limits are smaller than the producer's.
 */
public final class DeadLetterProductionHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProductionHandler.class);

    private final ProductionExceptionHandler otherwise = new DefaultProductionExceptionHandler();
    private DeadLetterRoute route;

    @Override
    public void configure(Map<String, ?> configs) {
        route = DeadLetterRoute.from(configs);
        otherwise.configure(configs);
    }

    @Override
    public Response handleError(
            ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception error) {
        if (record.topic().equals(route.topic()) && neverAccepted(error)) {
            // The dead letter's own headers name its record; the context is that of the record
            // processed when the broker answered, which may be a later one.
            LOG.error(
                    "Skipping the dead letter of the record at {}-{} offset {} ({} value bytes;"
                            + " processing {}-{} offset {}): {}",
                    header(record, DeadLetters.HEADER_TOPIC),
                    header(record, DeadLetters.HEADER_PARTITION),
                    header(record, DeadLetters.HEADER_OFFSET),
                    record.value() == null ? 0 : record.value().length,
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    error.toString());
            route.metrics().deadLetterWriteFailed();
            return Response.resume();
        }
        return otherwise.handleError(context, record, error);
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null
                ? "?"
                : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Errors about the record itself: sending it again fails the same way. */
    private static boolean neverAccepted(Exception error) {
        return error instanceof RecordTooLargeException
                || error instanceof RecordBatchTooLargeException
                || error instanceof InvalidRecordException;
    }
}
