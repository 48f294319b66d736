package dev.flowwatch.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.schemas.MessageDecodingException.Problem;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

class FramedAvroDeserializerTest {

    private static final String TOPIC = "images";

    private final StubRegistry stub = new StubRegistry();
    private final SchemaRegistryClient registry =
            new SchemaRegistryClient(
                    SchemaRegistryClientTest.settings(
                            stub.url(), Duration.ofMillis(300), Duration.ofSeconds(5)),
                    new SchemaRegistryClientTest.Counting());
    private final FramedAvroDeserializer<ImageEvent> deserializer =
            FramedAvroDeserializer.withRegistry(ImageEvent.class, registry);

    FramedAvroDeserializerTest() throws IOException {}

    @AfterEach
    void stop() {
        stub.close();
    }

    /** The sample event's Avro body as a producer with one more optional field writes it. */
    private static byte[] v2Body() throws IOException {
        byte[] singleObject = SchemaEvolutionTest.v2Bytes();
        return Arrays.copyOfRange(
                singleObject, MessageDecodingException.HEADER_LENGTH, singleObject.length);
    }

    private static Schema v2() {
        return SchemaEvolutionTest.withOptionalDouble(ImageEvent.getClassSchema(), "exposure_ms");
    }

    private static byte[] frame(byte[] id, byte[] body) {
        return ByteBuffer.allocate(1 + id.length + body.length)
                .put((byte) 0)
                .put(id)
                .put(body)
                .array();
    }

    @Test
    void aConfluentFrameIsReadWithTheWriterSchemaResolvedAgainstTheReaders() throws IOException {
        stub.answer("/schemas/ids/7", 200, SchemaRegistryClientTest.confluentSchema(v2()));
        byte[] value = frame(ByteBuffer.allocate(4).putInt(7).array(), v2Body());

        assertEquals(
                Samples.imageEvent(), deserializer.deserialize(TOPIC, new RecordHeaders(), value));
    }

    @Test
    void anEightByteGlobalIdIsReadWhenTheFirstFourIdBytesAreZero() throws IOException {
        stub.answer("/apis/registry/v2/ids/globalIds/3", 200, v2().toString());
        byte[] value = frame(ByteBuffer.allocate(8).putLong(3).array(), v2Body());

        assertEquals(
                Samples.imageEvent(), deserializer.deserialize(TOPIC, new RecordHeaders(), value));
    }

    @Test
    void apicurioHeadersNameTheSchemaOfABareBody() throws IOException {
        stub.answer("/apis/registry/v2/ids/globalIds/5", 200, v2().toString());
        RecordHeaders headers = new RecordHeaders();
        headers.add(
                FramedAvroDeserializer.GLOBAL_ID_HEADER, ByteBuffer.allocate(8).putLong(5).array());
        headers.add(
                FramedAvroDeserializer.ENCODING_HEADER, "BINARY".getBytes(StandardCharsets.UTF_8));

        assertEquals(Samples.imageEvent(), deserializer.deserialize(TOPIC, headers, v2Body()));
    }

    @Test
    void singleObjectEncodingIsStillReadBesideTheRegistry() {
        byte[] value =
                FlowwatchSerdes.imageEvent().serializer().serialize(TOPIC, Samples.imageEvent());

        assertEquals(
                Samples.imageEvent(), deserializer.deserialize(TOPIC, new RecordHeaders(), value));
    }

    @Test
    void anIdTheRegistryDoesNotKnowIsAnUnknownSchemaId() throws IOException {
        stub.answer("/schemas/ids/99", 404, SchemaRegistryClientTest.UNKNOWN_ID);
        byte[] value = frame(ByteBuffer.allocate(4).putInt(99).array(), v2Body());

        MessageDecodingException e =
                assertThrows(
                        MessageDecodingException.class,
                        () -> deserializer.deserialize(TOPIC, new RecordHeaders(), value));
        assertEquals(Problem.UNKNOWN_SCHEMA_ID, e.problem());
        assertTrue(e.getMessage().contains("schema id 99"), e.getMessage());
    }

    @Test
    void aWriterSchemaThatCannotBeReadAsThisRecordIsIncompatible() {
        Schema other =
                SchemaBuilder.record("ImageEvent")
                        .namespace("dev.flowwatch.schemas")
                        .fields()
                        .requiredString("id")
                        .endRecord();
        stub.answer("/schemas/ids/8", 200, SchemaRegistryClientTest.confluentSchema(other));
        byte[] value = frame(ByteBuffer.allocate(4).putInt(8).array(), new byte[] {2, 'x'});

        MessageDecodingException e =
                assertThrows(
                        MessageDecodingException.class,
                        () -> deserializer.deserialize(TOPIC, new RecordHeaders(), value));
        assertEquals(Problem.INCOMPATIBLE_SCHEMA, e.problem());
    }

    /**
     * Failed before: a producer's schema with one more encoding (compatible under the registry's
     * default BACKWARD rule) made every one of its records a dead letter, those in PNG or raw bytes
     * too, which a stock consumer reads.
     */
    @Test
    void onlyTheRecordsThatUseWhatThisSchemaLacksAreIncompatible() throws IOException {
        Schema writer =
                new Schema.Parser()
                        .parse(
                                ImageEvent.getClassSchema()
                                        .toString()
                                        .replace("\"JPEG\"]", "\"JPEG\",\"WEBP\"]"));
        stub.answer("/schemas/ids/9", 200, SchemaRegistryClientTest.confluentSchema(writer));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<ImageEvent>(writer).write(Samples.imageEvent(), encoder);
        encoder.flush();
        byte[] raw = out.toByteArray();
        GenericData.Record webp =
                new GenericDatumReader<GenericData.Record>(writer)
                        .read(null, DecoderFactory.get().binaryDecoder(raw, null));
        webp.put(
                "encoding",
                new GenericData.EnumSymbol(writer.getField("encoding").schema(), "WEBP"));
        byte[] id = ByteBuffer.allocate(4).putInt(9).array();

        assertEquals(
                Samples.imageEvent(),
                deserializer.deserialize(TOPIC, new RecordHeaders(), frame(id, raw)));
        MessageDecodingException e =
                assertThrows(
                        MessageDecodingException.class,
                        () ->
                                deserializer.deserialize(
                                        TOPIC, new RecordHeaders(), frame(id, body(writer, webp))));
        assertEquals(Problem.INCOMPATIBLE_SCHEMA, e.problem());
        assertTrue(e.getMessage().contains("WEBP"), e.getMessage());
    }

    /**
     * Failed before: Spark writes timestamps in microseconds, which Avro resolves to this record's
     * milliseconds as the same long: the event was a thousand times later.
     */
    @Test
    void anEventTimeWrittenInMicrosecondsIsReadAsTheSameInstant() throws IOException {
        String millis = "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}";
        String micros = millis.replace("millis", "micros");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<ImageEvent>(ImageEvent.getClassSchema())
                .write(Samples.imageEvent(), encoder);
        encoder.flush();
        GenericData.Record event =
                new GenericDatumReader<GenericData.Record>(ImageEvent.getClassSchema())
                        .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        event.put("event_time", (Long) event.get("event_time") * 1000 + 123);

        Schema plain = withEventTime(millis, micros);
        stub.answer("/schemas/ids/11", 200, SchemaRegistryClientTest.confluentSchema(plain));
        ImageEvent read =
                deserializer.deserialize(
                        TOPIC,
                        new RecordHeaders(),
                        frame(ByteBuffer.allocate(4).putInt(11).array(), body(plain, event)));
        assertEquals(Samples.EVENT_TIME.plusNanos(123_000), read.getEventTime());

        // nullable, Avro cannot read it as this record at all: refused, never misdated
        Schema nullable = withEventTime(millis, "[" + micros + ",\"null\"]");
        stub.answer("/schemas/ids/12", 200, SchemaRegistryClientTest.confluentSchema(nullable));
        byte[] refused = frame(ByteBuffer.allocate(4).putInt(12).array(), body(nullable, event));
        MessageDecodingException e =
                assertThrows(
                        MessageDecodingException.class,
                        () -> deserializer.deserialize(TOPIC, new RecordHeaders(), refused));
        assertEquals(Problem.INCOMPATIBLE_SCHEMA, e.problem());
    }

    private static Schema withEventTime(String millis, String type) {
        String json = ImageEvent.getClassSchema().toString();
        assertTrue(json.contains(millis), json);
        return new Schema.Parser().parse(json.replace(millis, type));
    }

    private static byte[] body(Schema writer, GenericData.Record record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericData.Record>(writer).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Test
    void aRegistryOutageIsNoFaultOfTheMessage() throws IOException {
        stub.answer("/schemas/ids/7", 503, "{}");
        byte[] value = frame(ByteBuffer.allocate(4).putInt(7).array(), v2Body());

        assertThrows(
                SchemaRegistryUnavailableException.class,
                () -> deserializer.deserialize(TOPIC, new RecordHeaders(), value));
    }

    @Test
    void withoutARegistryAFrameIsABadMarkerThatNamesTheSetting() throws IOException {
        byte[] value = frame(ByteBuffer.allocate(4).putInt(7).array(), v2Body());

        MessageDecodingException e =
                assertThrows(
                        MessageDecodingException.class,
                        () ->
                                FramedAvroDeserializer.withoutRegistry(ImageEvent.class)
                                        .deserialize(TOPIC, new RecordHeaders(), value));
        assertEquals(Problem.BAD_MARKER, e.problem());
        assertTrue(e.getMessage().contains("schema.registry.url"), e.getMessage());
    }

    @Test
    void theSerializerWritesTheConfluentFrameOfTheRegisteredId() {
        stub.answer("/subjects/anomaly-scores-value/versions", 200, "{\"id\":12}");
        stub.answer(
                "/schemas/ids/12",
                200,
                SchemaRegistryClientTest.confluentSchema(AnomalyScore.getClassSchema()));

        byte[] value =
                RegistryAvroSerializer.register(
                                AnomalyScore.class, registry, "anomaly-scores-value")
                        .serialize("anomaly-scores", Samples.anomalyScore());

        assertArrayEquals(new byte[] {0, 0, 0, 0, 12}, Arrays.copyOf(value, 5));
        assertEquals(
                Samples.anomalyScore(),
                FramedAvroDeserializer.withRegistry(AnomalyScore.class, registry)
                        .deserialize("anomaly-scores", new RecordHeaders(), value));
    }
}
