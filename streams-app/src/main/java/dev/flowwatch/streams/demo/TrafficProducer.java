package dev.flowwatch.streams.demo;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Future;

/**
 * Sends demo records to the images topic. Values are already bytes (serialized events, or broken
 * bytes on purpose), so the producer itself only passes them through.
 */
public final class TrafficProducer implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;

    public TrafficProducer(String bootstrapServers, String topic) {
        // acks=all with idempotence: no event is lost or duplicated by producer retries
        this.producer =
                new KafkaProducer<>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrapServers,
                                ProducerConfig.ACKS_CONFIG,
                                "all",
                                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                                true,
                                ProducerConfig.LINGER_MS_CONFIG,
                                2,
                                ProducerConfig.CLIENT_ID_CONFIG,
                                "flowwatch-demo-traffic"),
                        new StringSerializer(),
                        new ByteArraySerializer());
        this.topic = topic;
    }

    public Future<RecordMetadata> send(DemoRecord record) {
        return producer.send(
                new ProducerRecord<>(
                        topic,
                        null,
                        record.eventTime().toEpochMilli(),
                        record.key(),
                        record.value()));
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
