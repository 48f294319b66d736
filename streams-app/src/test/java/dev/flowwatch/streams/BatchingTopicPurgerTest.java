package dev.flowwatch.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

class BatchingTopicPurgerTest {

    private static final int EVENTS = 20;

    @TempDir Path dir;

    @Test
    void committedRecordsOfTheBatchingTopicAreDeletedAndNoOthers() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            AppConfig config = config(kafka);
            purgeAfterScoring(kafka, config);
        }
    }

    private static void purgeAfterScoring(EmbeddedKafka kafka, AppConfig config) throws Exception {
        try (FlowwatchApp app = FlowwatchApp.start(config);
                Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            ReadyApps.awaitReady(app, Duration.ofSeconds(60));
            var events = FlowwatchSerdes.imageEvent().serializer();
            try (var producer =
                    new KafkaProducer<>(
                            Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
                            new ByteArraySerializer(),
                            new ByteArraySerializer())) {
                for (int i = 0; i < EVENTS; i++) {
                    producer.send(
                            new ProducerRecord<>(
                                    "images",
                                    ("e" + i).getBytes(StandardCharsets.UTF_8),
                                    events.serialize("images", TestModels.event("e" + i, i))));
                }
            }
            awaitConsumed(admin, config, "images");
            awaitConsumed(admin, config, config.batchingTopic());
            Map<TopicPartition, Long> committed = committed(admin, config, config.batchingTopic());

            try (BatchingTopicPurger purger = new BatchingTopicPurger(config)) {
                assertEquals(committed, purger.purge());
                assertEquals(Map.of(), purger.purge(), "nothing new committed, nothing purged");
            }
            // offsets count the transactions' markers too: at least one per event
            assertTrue(committed.values().stream().mapToLong(Long::longValue).sum() >= EVENTS);
            var earliest =
                    admin.listOffsets(
                                    committed.keySet().stream()
                                            .collect(
                                                    Collectors.toMap(
                                                            Function.identity(),
                                                            p -> OffsetSpec.earliest())))
                            .all()
                            .get();
            committed.forEach(
                    (partition, offset) ->
                            assertEquals(
                                    offset.longValue(),
                                    earliest.get(partition).offset(),
                                    "the records before the committed offset are gone"));
            // the input topic is the user's: untouched
            var input = new TopicPartition("images", 0);
            assertEquals(
                    0,
                    admin.listOffsets(Map.of(input, OffsetSpec.earliest()))
                            .all()
                            .get()
                            .get(input)
                            .offset());
        }
    }

    /**
     * Returns once the app has committed all of {@code topic} but, at most, each partition's last
     * transaction marker, which it never processes.
     */
    private static void awaitConsumed(Admin admin, AppConfig config, String topic)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Map<TopicPartition, Long> committed = committed(admin, config, topic);
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            committed.keySet().forEach(p -> ends.put(p, OffsetSpec.latest()));
            var latest = admin.listOffsets(ends).all().get();
            boolean done =
                    !committed.isEmpty()
                            && committed.entrySet().stream()
                                    .allMatch(
                                            e ->
                                                    e.getValue()
                                                            >= latest.get(e.getKey()).offset() - 1);
            if (done) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, topic + ": committed " + committed);
            Thread.sleep(200);
        }
    }

    /** The app's committed offsets on {@code topic}'s partitions. */
    private static Map<TopicPartition, Long> committed(Admin admin, AppConfig config, String topic)
            throws Exception {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> all =
                admin.listConsumerGroupOffsets(config.applicationId())
                        .partitionsToOffsetAndMetadata()
                        .get();
        all.forEach(
                (p, o) -> {
                    if (o != null && p.topic().equals(topic)) {
                        offsets.put(p, o.offset());
                    }
                });
        return offsets;
    }

    private AppConfig config(EmbeddedKafka kafka) {
        Map<String, String> settings = TestModels.appSettings(kafka, dir, "purge");
        settings.put("batch.max.size", "8");
        settings.put("batch.max.delay.ms", "50");
        settings.put("batching.partitions", "2");
        settings.put("topics.partitions", "1");
        return AppConfig.load(null, Map.of(), settings);
    }
}
