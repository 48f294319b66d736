package dev.flowwatch.streams.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

class EmbeddedKafkaTest {

    @Test
    void transactionsCommitAndAbortOnASingleNode(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("kafka");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(data)) {
            kafka.createTopics(1, List.of("t"));
            try (var producer =
                    new KafkaProducer<>(
                            Map.<String, Object>of(
                                    "bootstrap.servers",
                                    kafka.bootstrapServers(),
                                    "transactional.id",
                                    "tx"),
                            new StringSerializer(),
                            new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "k", "aborted"));
                producer.abortTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "k", "committed"));
                producer.commitTransaction();
            }
            List<String> read = new ArrayList<>();
            try (var consumer =
                    new KafkaConsumer<>(
                            Map.<String, Object>of(
                                    "bootstrap.servers",
                                    kafka.bootstrapServers(),
                                    "group.id",
                                    "g",
                                    "auto.offset.reset",
                                    "earliest",
                                    "isolation.level",
                                    "read_committed"),
                            new StringDeserializer(),
                            new StringDeserializer())) {
                consumer.subscribe(List.of("t"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (read.isEmpty() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        read.add(r.value());
                    }
                }
            }
            assertEquals(List.of("committed"), read);
        }
        assertFalse(Files.exists(data), "close() deletes the broker's data");
    }
}
