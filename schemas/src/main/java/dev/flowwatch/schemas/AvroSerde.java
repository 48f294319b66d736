package dev.flowwatch.schemas;

import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka Serde for one generated Avro record class in single-object encoding. The serializer writes
 * the current schema; the deserializer reads the current schema and every writer schema in its
 * {@link SchemaStore}.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;

    private AvroSerde(Class<T> type, SchemaStore writerSchemas) {
        this.serializer = new AvroSerializer<>(type);
        this.deserializer = new AvroDeserializer<>(type, writerSchemas);
    }

    /** A Serde that reads every version of the record kept in this module's schema history. */
    public static <T extends SpecificRecord> AvroSerde<T> forRecord(Class<T> type) {
        return new AvroSerde<>(type, SchemaHistory.storeFor(type));
    }

    /** A Serde whose deserializer also reads the writer schemas {@code writerSchemas} finds. */
    public static <T extends SpecificRecord> AvroSerde<T> forRecord(
            Class<T> type, SchemaStore writerSchemas) {
        return new AvroSerde<>(type, writerSchemas);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
