package dev.flowwatch.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A future producer adds an optional field to ImageEvent; old and new readers keep working. */
class SchemaEvolutionTest {

    private static final String TOPIC = "images";
    private static final Schema CURRENT = ImageEvent.getClassSchema();
    private static final Schema V2 = withOptionalDouble(CURRENT, "exposure_ms");

    /** The current schema plus one nullable double field that defaults to null. */
    static Schema withOptionalDouble(Schema schema, String fieldName) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : schema.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        Schema optionalDouble =
                Schema.createUnion(
                        Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.DOUBLE));
        fields.add(
                new Schema.Field(
                        fieldName, optionalDouble, "Added in v2.", JsonProperties.NULL_VALUE));
        return Schema.createRecord(
                schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    /** The sample event as a v2 producer writes it, with the new field set. */
    static byte[] v2Bytes() throws IOException {
        ImageEvent event = Samples.imageEvent();
        GenericData.Record v2 = new GenericData.Record(V2);
        for (Schema.Field field : CURRENT.getFields()) {
            v2.put(field.name(), event.get(field.pos()));
        }
        v2.put("exposure_ms", 12.5);
        // event_time is an Instant here, as in the generated classes, so the model must convert it.
        GenericData model = new GenericData();
        model.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
        return new BinaryMessageEncoder<GenericRecord>(model, V2).encode(v2).array();
    }

    @Test
    void currentReaderReadsV2Writer() {
        assertEquals(
                SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(CURRENT, V2).getType());
    }

    @Test
    void v2ReaderReadsCurrentWriter() {
        assertEquals(
                SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(V2, CURRENT).getType());
    }

    @Test
    void currentSerdeDecodesV2BytesOnceV2IsInItsStore() throws IOException {
        SchemaStore.Cache store = SchemaHistory.storeFor(ImageEvent.class);
        store.addSchema(V2);
        AvroSerde<ImageEvent> serde = AvroSerde.forRecord(ImageEvent.class, store);

        assertEquals(Samples.imageEvent(), serde.deserializer().deserialize(TOPIC, v2Bytes()));
    }

    @Test
    void v2ReaderDecodesCurrentBytesWithTheNewFieldsDefault() throws Exception {
        byte[] current =
                FlowwatchSerdes.imageEvent().serializer().serialize(TOPIC, Samples.imageEvent());
        SchemaStore.Cache store = new SchemaStore.Cache();
        store.addSchema(CURRENT);
        BinaryMessageDecoder<GenericRecord> v2Reader =
                new BinaryMessageDecoder<>(GenericData.get(), V2, store);

        GenericRecord read = v2Reader.decode(current);

        assertEquals("evt-1", read.get("id").toString());
        assertNull(read.get("exposure_ms"));
    }
}
