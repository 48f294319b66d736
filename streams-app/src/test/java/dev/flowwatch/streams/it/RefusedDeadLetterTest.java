package dev.flowwatch.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.streams.FlowwatchApp;
import dev.flowwatch.streams.ReadyApps;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A dead-letter topic whose broker limit is below what the app writes: at least once, the refused
 * dead letter is skipped and counted, and the events after it are scored. Before the handler,
 * Kafka's default failed the task, the thread was replaced, read the same record and failed again,
 * forever. Under exactly-once no handler can save the transaction, so the start refuses the topic.
 */
class RefusedDeadLetterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir Path dir;

    @Test
    void deadLetterTheBrokerRefusesIsSkippedCountedAndScoringGoesOn() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            kafka.createTopic("images.dlq", 1, Map.of("max.message.bytes", "2048"));
            PrometheusRegistry registry = new PrometheusRegistry();
            try (FlowwatchApp app = FlowwatchApp.start(config(kafka, "at_least_once"), registry)) {
                ReadyApps.awaitReady(app, TIMEOUT);
                byte[] garbage = new byte[4000];
                new Random(7).nextBytes(garbage);
                var events = FlowwatchSerdes.imageEvent().serializer();
                try (var producer =
                        new KafkaProducer<>(
                                Map.<String, Object>of(
                                        "bootstrap.servers", kafka.bootstrapServers()),
                                new ByteArraySerializer(),
                                new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>("images", key("garbage"), garbage));
                    for (int i = 0; i < 5; i++) {
                        producer.send(
                                new ProducerRecord<>(
                                        "images",
                                        key("valid-" + i),
                                        events.serialize("images", TestModels.event("v" + i, i))));
                    }
                }
                var scores = FlowwatchSerdes.anomalyScore().deserializer();
                List<String> scored =
                        CommittedReader.read(
                                        kafka.bootstrapServers(),
                                        "anomaly-scores",
                                        5,
                                        Duration.ofSeconds(1),
                                        TIMEOUT)
                                .stream()
                                .map(r -> scores.deserialize(r.topic(), r.value()))
                                .map(AnomalyScore::getEventId)
                                .sorted()
                                .toList();

                assertEquals(List.of("v0", "v1", "v2", "v3", "v4"), scored);
                assertEquals(1.0, counter(registry, "flowwatch_dlq_write_failures"));
                assertTrue(app.isReady(), "the app keeps running: " + app.state());
            }
        }
    }

    @Test
    void exactlyOnceStartFailsOnDeadLetterTopicSmallerThanProducerLimit() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            kafka.createTopic("images.dlq", 1, Map.of("max.message.bytes", "2048"));
            InvalidConfigException e =
                    assertThrows(
                            InvalidConfigException.class,
                            () -> FlowwatchApp.start(config(kafka, "exactly_once_v2")));
            assertTrue(
                    e.getMessage().contains("topic images.dlq has max.message.bytes=2048")
                            && e.getMessage().contains("max.request.size=1048576"),
                    e.getMessage());
        }
    }

    @Test
    void exactlyOnceStartFailsOnABatchingTopicSmallerThanProducerLimit() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            AppConfig config = config(kafka, "exactly_once_v2", Map.of("batching.partitions", "2"));
            kafka.createTopic(config.batchingTopic(), 2, Map.of("max.message.bytes", "2048"));
            InvalidConfigException e =
                    assertThrows(InvalidConfigException.class, () -> FlowwatchApp.start(config));
            assertTrue(
                    e.getMessage()
                            .contains(
                                    "topic "
                                            + config.batchingTopic()
                                            + " has max.message.bytes=2048"),
                    e.getMessage());
        }
    }

    @Test
    void topicsOfLargeRecordsTakeEveryRecordTheProducerMaySend() throws Exception {
        int limit = 4 << 20;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            AppConfig config =
                    config(
                            kafka,
                            "exactly_once_v2",
                            Map.of(
                                    "batching.partitions",
                                    "2",
                                    "kafka.producer.max.request.size",
                                    Integer.toString(limit)));
            try (FlowwatchApp app = FlowwatchApp.start(config);
                    Admin admin =
                            Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                ReadyApps.awaitReady(app, TIMEOUT);
                // created by the app (dead letters, batching) and by Kafka Streams (the changelog)
                for (String topic :
                        List.of(
                                "images.dlq",
                                config.batchingTopic(),
                                config.applicationId() + "-pending-batch-changelog")) {
                    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                    String maxMessageBytes =
                            admin.describeConfigs(List.of(resource))
                                    .all()
                                    .get()
                                    .get(resource)
                                    .get("max.message.bytes")
                                    .value();
                    assertEquals(Integer.toString(limit), maxMessageBytes, topic);
                }
            }
        }
    }

    /**
     * Under exactly-once the producer aborts the whole transaction after a refused record, whatever
     * the handler answers (README, "Dead letters").
     */
    private AppConfig config(EmbeddedKafka kafka, String processingGuarantee) {
        return config(kafka, processingGuarantee, Map.of());
    }

    private AppConfig config(
            EmbeddedKafka kafka, String processingGuarantee, Map<String, String> more) {
        Map<String, String> settings =
                TestModels.appSettings(kafka, dir, "refused-" + System.nanoTime());
        settings.put("batch.max.size", "5");
        settings.put("processing.guarantee", processingGuarantee);
        settings.putAll(more);
        return AppConfig.load(null, Map.of(), settings);
    }

    private static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    private static double counter(PrometheusRegistry registry, String name) {
        return registry.scrape().stream()
                .filter(s -> s.getMetadata().getName().equals(name))
                .map(s -> ((CounterSnapshot) s).getDataPoints().get(0).getValue())
                .findFirst()
                .orElseThrow();
    }
}
