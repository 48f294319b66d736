package dev.flowwatch.streams.topology;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The time of a record read by the app: its timestamp, held back to the wall clock; for a record
 * without one (-1, or another negative value, which Kafka keeps from clients other than Java's),
 * the partition's time, or the wall clock before the partition has one.
 *
 * <p>Kafka's default extractor fails the stream thread on a negative timestamp, and the thread that
 * replaces it reads the record again: one such record would stop its partition for good. A
 * timestamp in the future would be copied to every record the app writes for the event (changelog,
 * batching topic, scores, dead letters), which topics with a smaller {@code
 * message.timestamp.after.max.ms} than the input's refuse, failing the task as often.
 */
public final class EventTimeExtractor implements TimestampExtractor {

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        long now = System.currentTimeMillis();
        long timestamp = record.timestamp();
        if (timestamp >= 0) {
            return Math.min(timestamp, now);
        }
        return partitionTime >= 0 ? partitionTime : now;
    }
}
