package dev.flowwatch.streams.demo;

import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.FramedAvroDeserializer;
import dev.flowwatch.schemas.SchemaRegistryClient;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Follows the app's outputs (scores, alerts, dead letters) from the moment it starts and reports
 * them to {@link DemoStats}. It reads only committed records: what a downstream consumer of an
 * exactly-once app would see, so the measured latency includes the transaction commit.
 */
public final class OutputMonitor implements AutoCloseable {

    /** The header the app puts the dead-letter reason in. */
    public static final String DLQ_REASON = "flowwatch.dlq.reason";

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String scoresTopic;
    private final String alertsTopic;
    private final DemoStats stats;
    private final Deserializer<AnomalyScore> scores;
    private final Deserializer<AnomalyAlert> alerts;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * Positions at the end of the three topics, which must exist, before returning.
     *
     * @param registry where the app writes scores and alerts in a registry's frame; empty: Avro
     *     single-object encoding
     */
    public OutputMonitor(
            String bootstrapServers,
            String scoresTopic,
            String alertsTopic,
            String dlqTopic,
            DemoStats stats,
            Optional<SchemaRegistryClient> registry) {
        this.scores = reader(AnomalyScore.class, registry);
        this.alerts = reader(AnomalyAlert.class, registry);
        this.consumer =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrapServers,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.CLIENT_ID_CONFIG,
                                "flowwatch-demo-monitor"),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
        this.scoresTopic = scoresTopic;
        this.alertsTopic = alertsTopic;
        this.stats = stats;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(scoresTopic, alertsTopic, dlqTopic)) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        // assigned rather than subscribed: no group rebalance to wait for, and nothing before now
        // is counted
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        this.thread = new Thread(this::run, "flowwatch-demo-monitor");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private static <T extends SpecificRecord> Deserializer<T> reader(
            Class<T> type, Optional<SchemaRegistryClient> registry) {
        return registry.map(r -> FramedAvroDeserializer.withRegistry(type, r))
                .orElseGet(() -> FramedAvroDeserializer.withoutRegistry(type));
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    long received = System.currentTimeMillis();
                    if (r.topic().equals(scoresTopic)) {
                        stats.onScore(
                                scores.deserialize(r.topic(), r.headers(), r.value()), received);
                    } else if (r.topic().equals(alertsTopic)) {
                        stats.onAlert(alerts.deserialize(r.topic(), r.headers(), r.value()));
                    } else {
                        Header reason = r.headers().lastHeader(DLQ_REASON);
                        stats.onDeadLetter(
                                reason == null
                                        ? "(no reason header)"
                                        : new String(reason.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop while polling
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }
}
