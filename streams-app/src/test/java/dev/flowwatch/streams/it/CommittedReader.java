package dev.flowwatch.streams.it;

import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.FlowwatchSerdes;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Reads a topic from the start as a downstream consumer of an exactly-once app would: committed
 * records only.
 */
final class CommittedReader {

    private CommittedReader() {}

    /**
     * Everything committed on the topic, reading until {@code expected} records arrived and then
     * for {@code settle} more, so that duplicates arriving late are seen too; or until {@code
     * timeout}.
     */
    static List<ConsumerRecord<byte[], byte[]>> read(
            String bootstrap, String topic, int expected, Duration settle, Duration timeout) {
        return read(bootstrap, topic, r -> true, expected, settle, timeout);
    }

    /**
     * The event ids of the scores committed on {@code anomaly-scores}, sorted, read as above until
     * {@code expected} arrived.
     */
    static List<String> scoredEventIds(
            String bootstrap, int expected, Duration settle, Duration timeout) {
        var scores = FlowwatchSerdes.anomalyScore().deserializer();
        return read(bootstrap, "anomaly-scores", expected, settle, timeout).stream()
                .map(r -> scores.deserialize(r.topic(), r.value()))
                .map(AnomalyScore::getEventId)
                .sorted()
                .toList();
    }

    /**
     * The committed records on the topic that {@code wanted} accepts, read as above until {@code
     * expected} of them arrived: for tests that share a topic.
     */
    static List<ConsumerRecord<byte[], byte[]>> read(
            String bootstrap,
            String topic,
            Predicate<ConsumerRecord<byte[], byte[]>> wanted,
            int expected,
            Duration settle,
            Duration timeout) {
        return read(bootstrap, List.of(topic), wanted, expected, settle, timeout);
    }

    /**
     * Everything committed on these topics together, read as above until {@code expected} records
     * arrived on them in all: for outputs whose split between the topics is not known in advance (a
     * record that may be scored or dead-lettered).
     */
    static List<ConsumerRecord<byte[], byte[]>> read(
            String bootstrap,
            List<String> topics,
            int expected,
            Duration settle,
            Duration timeout) {
        return read(bootstrap, topics, r -> true, expected, settle, timeout);
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(
            String bootstrap,
            List<String> topics,
            Predicate<ConsumerRecord<byte[], byte[]>> wanted,
            int expected,
            Duration settle,
            Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (var consumer =
                new KafkaConsumer<>(
                        Map.<String, Object>of(
                                "bootstrap.servers",
                                bootstrap,
                                "group.id",
                                "reader-" + UUID.randomUUID(),
                                "auto.offset.reset",
                                "earliest",
                                "enable.auto.commit",
                                false,
                                "isolation.level",
                                "read_committed"),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            consumer.subscribe(topics);
            long deadline = System.nanoTime() + timeout.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                consumer.poll(Duration.ofMillis(200))
                        .forEach(
                                r -> {
                                    if (wanted.test(r)) {
                                        records.add(r);
                                    }
                                });
                if (records.size() >= expected && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + settle.toNanos();
                }
            }
        }
        return records;
    }
}
