package dev.flowwatch.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.SchemaRegistryClient;
import dev.flowwatch.schemas.SchemaRegistryException;
import dev.flowwatch.streams.FlowwatchApp;
import dev.flowwatch.streams.ReadyApps;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.embedded.EmbeddedKafka;
import dev.flowwatch.streams.topology.DeadLetters;

import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The app against a real schema registry (Apicurio 2.6, started by the tests) and the real broker,
 * exactly-once: what Apicurio's own serializer writes in each of its modes, and the Confluent
 * frame, is scored; ids the registry does not know are dead letters; a registry that goes away for
 * a while costs no event and sends none to the dead letters; the output is read back by Apicurio's
 * deserializer, as a stock registry-aware consumer reads it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchemaRegistryTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(2);
    private static final String IMAGES = "images";
    private static final String SUBJECT = IMAGES + "-value";

    private Path dir;
    private ApicurioRegistry registry;
    private EmbeddedKafka kafka;
    private PrometheusRegistry metrics;
    private Path model;
    private AppConfig config;
    private FlowwatchApp app;
    private SchemaRegistryClient client;

    @BeforeAll
    void start(@TempDir Path dir) throws InterruptedException {
        this.dir = dir;
        registry = ApicurioRegistry.shared();
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        model = TestModels.tinyBundle(dir);
        config = AppConfig.load(null, Map.of(), settings("anomaly-scores"));
        metrics = new PrometheusRegistry();
        app = FlowwatchApp.start(config, metrics);
        ReadyApps.awaitReady(app, TIMEOUT);
        client =
                new SchemaRegistryClient(
                        config.schemaRegistry().orElseThrow(), SchemaRegistryClient.Listener.NONE);
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private Map<String, String> settings(String scoresTopic) {
        Map<String, String> s = new HashMap<>();
        s.put("bootstrap.servers", kafka.bootstrapServers());
        s.put("application.id", "registry-" + System.nanoTime());
        s.put("model.dir", model.toString());
        s.put("state.dir", dir.resolve("state").toString());
        s.put("metrics.port", "0");
        // every event an anomaly, so that every event has an alert to read back too
        s.put("threshold.bpd", "0");
        s.put("batch.max.size", "16");
        s.put("batch.max.delay.ms", "50");
        s.put("topic.scores", scoresTopic);
        s.put("schema.registry.url", registry.confluentUrl());
        s.put("schema.registry.retry.max.ms", "2000");
        s.put("output.format", "registry");
        return s;
    }

    @Test
    void everyProducersFramingIsScoredAndStockConsumersReadTheOutput() throws IOException {
        Map<String, Function<ImageEvent, Framed>> producers = new HashMap<>();
        producers.put("apicurio-headers", apicurio(Map.of()));
        producers.put("apicurio-no-headers", apicurio(Map.of(SerdeConfig.ENABLE_HEADERS, "false")));
        producers.put(
                "apicurio-as-confluent",
                apicurio(
                        Map.of(
                                SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, "true",
                                SerdeConfig.USE_ID, "contentId")));
        // A producer one optional field ahead of flowwatch's schema, in the Confluent frame.
        Schema ahead = withOptionalDouble(ImageEvent.getClassSchema(), "exposure_ms");
        int aheadId = client.register(SUBJECT, ahead);
        producers.put("confluent-frame", e -> confluentFrame(aheadId, ahead, e));

        List<String> ids = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        producers.forEach(
                (name, producer) ->
                        IntStream.range(0, 5)
                                .forEach(
                                        i -> {
                                            String id = "framing-" + name + "-" + i;
                                            ids.add(id);
                                            records.add(
                                                    producer.apply(TestModels.event(id, i))
                                                            .record(id));
                                        }));
        send(records);

        Map<String, Object> stock = new HashMap<>();
        stock.put(SerdeConfig.REGISTRY_URL, registry.apicurioUrl());
        stock.put(SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, "true");
        stock.put(SerdeConfig.USE_ID, "contentId");
        stock.put(AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER, "true");
        try (AvroKafkaDeserializer<AnomalyScore> scores = new AvroKafkaDeserializer<>();
                AvroKafkaDeserializer<AnomalyAlert> alerts = new AvroKafkaDeserializer<>()) {
            scores.configure(stock, false);
            alerts.configure(stock, false);
            assertEquals(
                    sorted(ids),
                    sorted(
                            read(config.topicScores(), "framing-", ids.size()).stream()
                                    .map(r -> scores.deserialize(r.topic(), r.headers(), r.value()))
                                    .map(AnomalyScore::getEventId)
                                    .toList()));
            assertEquals(
                    sorted(ids),
                    sorted(
                            read(config.topicAlerts(), "framing-", ids.size()).stream()
                                    .map(r -> alerts.deserialize(r.topic(), r.headers(), r.value()))
                                    .map(AnomalyAlert::getEventId)
                                    .toList()));
        }
        assertTrue(counter("flowwatch_schema_registry_lookups", null) >= 3, "ids looked up");
        assertTrue(counter("flowwatch_schema_registry_cache_hits", null) > 0, "ids cached");
    }

    @Test
    void idsTheRegistryDoesNotKnowAreUnknownSchemaDeadLetters() {
        long unknown = 987_654;
        byte[] body = TestModels.pixels(1);
        RecordHeaders headers = new RecordHeaders();
        // another id than the frames', which the registry's negative cache would answer
        headers.add("apicurio.value.globalId", ByteBuffer.allocate(8).putLong(unknown + 1).array());
        List<ProducerRecord<byte[], byte[]>> records =
                List.of(
                        record(
                                "unknown-schema-id",
                                ByteBuffer.allocate(5 + body.length)
                                        .put((byte) 0)
                                        .putInt((int) unknown)
                                        .put(body)
                                        .array(),
                                new RecordHeaders()),
                        record(
                                "unknown-global-id",
                                ByteBuffer.allocate(9 + body.length)
                                        .put((byte) 0)
                                        .putLong(unknown)
                                        .put(body)
                                        .array(),
                                new RecordHeaders()),
                        record("unknown-global-id-header", body, headers),
                        // ids past a Java int, which the Confluent API has none of: Apicurio
                        // answers them with a 404 that is not its "not found"
                        record(
                                "unknown-schema-id-2p31",
                                frame(0x8000_0000, body),
                                new RecordHeaders()),
                        record(
                                "unknown-schema-id-2p32-1",
                                frame(0xFFFF_FFFF, body),
                                new RecordHeaders()));
        send(records);

        List<ConsumerRecord<byte[], byte[]>> dead =
                read(config.topicDlq(), "unknown-", records.size());
        assertEquals(
                List.of(
                        "unknown-global-id",
                        "unknown-global-id-header",
                        "unknown-schema-id",
                        "unknown-schema-id-2p31",
                        "unknown-schema-id-2p32-1"),
                sorted(dead.stream().map(SchemaRegistryTest::key).toList()));
        for (ConsumerRecord<byte[], byte[]> d : dead) {
            assertEquals("UNKNOWN_SCHEMA", header(d, DeadLetters.HEADER_REASON), key(d));
        }
        assertTrue(counter("flowwatch_schema_registry_failures", "unknown_id") >= 5);
    }

    /** The Confluent frame: magic byte 0, the 4-byte schema id, the body. */
    private static byte[] frame(int schemaId, byte[] body) {
        return ByteBuffer.allocate(5 + body.length)
                .put((byte) 0)
                .putInt(schemaId)
                .put(body)
                .array();
    }

    @Test
    void aRegistryOutageLosesNoEventAndDeadLettersNone() throws InterruptedException {
        // a schema the app has not seen, so that reading its events needs the registry
        Schema newer = withOptionalDouble(ImageEvent.getClassSchema(), "gain");
        int newerId = client.register(SUBJECT, newer);
        List<String> ids = IntStream.range(0, 10).mapToObj(i -> "outage-" + i).toList();
        double failuresBefore = counter("flowwatch_schema_registry_failures", "unavailable");

        registry.stop();
        try {
            send(
                    ids.stream()
                            .map(
                                    id ->
                                            confluentFrame(newerId, newer, TestModels.event(id, 7))
                                                    .record(id))
                            .toList());
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (counter("flowwatch_schema_registry_failures", "unavailable") == failuresBefore) {
                assertTrue(
                        System.nanoTime() < deadline, "the app never asked the stopped registry");
                Thread.sleep(100);
            }
            // a few retry budgets long: the task fails and its replacement fails again
            Thread.sleep(5_000);
        } finally {
            registry.start();
        }

        assertEquals(
                ids,
                sorted(
                        read(config.topicScores(), "outage-", ids.size()).stream()
                                .map(SchemaRegistryTest::key)
                                .toList()),
                "every event scored once the registry is back, exactly once");
        assertEquals(
                List.of(),
                read(config.topicDlq(), "outage-", 0).stream()
                        .map(SchemaRegistryTest::key)
                        .toList(),
                "no event of the outage is a dead letter");
    }

    @Test
    void anOutputSchemaTheRegistryRefusesStopsTheStartNamingTheSubject() throws Exception {
        String subject = "refused-scores-value";
        client.register(
                subject,
                SchemaBuilder.record("AnomalyScore")
                        .namespace("dev.flowwatch.schemas")
                        .fields()
                        .requiredInt("x")
                        .endRecord());
        HttpResponse<String> compatibility =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        registry.confluentUrl()
                                                                + "/config/"
                                                                + subject))
                                        .header("Content-Type", "application/json")
                                        .PUT(
                                                HttpRequest.BodyPublishers.ofString(
                                                        "{\"compatibility\":\"BACKWARD\"}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, compatibility.statusCode(), compatibility.body());

        SchemaRegistryException e =
                assertThrows(
                        SchemaRegistryException.class,
                        () ->
                                FlowwatchApp.start(
                                        AppConfig.load(
                                                null, Map.of(), settings("refused-scores"))));
        assertTrue(e.getMessage().contains("'" + subject + "'"), e.getMessage());
    }

    /** What a producer hands Kafka: the value and, for Apicurio's default, headers. */
    private record Framed(byte[] value, Headers headers) {
        ProducerRecord<byte[], byte[]> record(String key) {
            return SchemaRegistryTest.record(key, value, headers);
        }
    }

    private Function<ImageEvent, Framed> apicurio(Map<String, String> mode) {
        Map<String, Object> configs = new HashMap<>(mode);
        configs.put(SerdeConfig.REGISTRY_URL, registry.apicurioUrl());
        configs.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, "true");
        AvroKafkaSerializer<ImageEvent> serializer = new AvroKafkaSerializer<>();
        serializer.configure(configs, false);
        return event -> {
            Headers headers = new RecordHeaders();
            return new Framed(serializer.serialize(IMAGES, headers, event), headers);
        };
    }

    /** {@code 00}, the 4-byte id, then the event written with {@code writer}: Confluent's frame. */
    private static Framed confluentFrame(int id, Schema writer, ImageEvent event) {
        GenericData model = new GenericData();
        model.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
        GenericRecord record = new GenericData.Record(writer);
        for (Schema.Field field : ImageEvent.getClassSchema().getFields()) {
            record.put(field.name(), event.get(field.pos()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(5).put((byte) 0).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            new GenericDatumWriter<GenericRecord>(writer, model).write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return new Framed(out.toByteArray(), new RecordHeaders());
    }

    /** {@code schema} plus a nullable double that defaults to null: a compatible evolution. */
    private static Schema withOptionalDouble(Schema schema, String name) {
        List<Schema.Field> fields = new ArrayList<>();
        schema.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(
                new Schema.Field(
                        name,
                        SchemaBuilder.unionOf().nullType().and().doubleType().endUnion(),
                        null,
                        JsonProperties.NULL_VALUE));
        return Schema.createRecord(
                schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    private static ProducerRecord<byte[], byte[]> record(
            String key, byte[] value, Headers headers) {
        return new ProducerRecord<>(
                IMAGES, null, key.getBytes(StandardCharsets.UTF_8), value, headers);
    }

    private void send(List<ProducerRecord<byte[], byte[]>> records) {
        try (var producer =
                new KafkaProducer<>(
                        Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            records.forEach(producer::send);
            producer.flush();
        }
    }

    /** The committed records of the topic whose keys start with {@code prefix}. */
    private List<ConsumerRecord<byte[], byte[]>> read(String topic, String prefix, int expected) {
        return CommittedReader.read(
                kafka.bootstrapServers(),
                topic,
                r -> key(r).startsWith(prefix),
                expected,
                SETTLE,
                TIMEOUT);
    }

    private double counter(String name, String reason) {
        double total = 0;
        for (MetricSnapshot s : metrics.scrape()) {
            if (s.getMetadata().getName().equals(name)) {
                for (CounterSnapshot.CounterDataPointSnapshot p :
                        ((CounterSnapshot) s).getDataPoints()) {
                    if (reason == null || reason.equals(p.getLabels().get("reason"))) {
                        total += p.getValue();
                    }
                }
            }
        }
        return total;
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static List<String> sorted(List<String> values) {
        return values.stream().sorted().toList();
    }
}
