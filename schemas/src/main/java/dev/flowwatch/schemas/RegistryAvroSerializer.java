package dev.flowwatch.schemas;

import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writes a record in the Confluent frame that stock registry-aware consumers read ({@code
 * KafkaAvroDeserializer}, Apicurio's in Confluent-compatible mode): {@code 00}, the schema's 4-byte
 * big-endian id, then the Avro binary body.
 *
 * <p>The id is resolved once, when the serializer is made, so a registry outage never stops the
 * output. Thread-safe: the datum writer is, and each call encodes into its own buffer.
 */
public final class RegistryAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private final String recordName;
    private final byte[] frame;
    private final DatumWriter<T> writer;

    private RegistryAvroSerializer(Class<T> type, int schemaId) {
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        this.recordName = schema.getName();
        this.frame = ByteBuffer.allocate(5).put((byte) 0).putInt(schemaId).array();
        this.writer = new SpecificDatumWriter<>(schema, model);
    }

    /**
     * Registers the current schema of {@code type} under {@code subject} (or looks it up where
     * registering is forbidden) and writes with its id.
     *
     * @throws SchemaRegistryException naming the subject, if the registry refuses the schema
     * @throws SchemaRegistryUnavailableException if the registry cannot answer
     */
    public static <T extends SpecificRecord> RegistryAvroSerializer<T> register(
            Class<T> type, SchemaRegistryClient registry, String subject) {
        Schema schema = SpecificData.getForClass(type).getSchema(type);
        return new RegistryAvroSerializer<>(type, registry.register(subject, schema));
    }

    /** Returns null for a null record, Kafka's tombstone. */
    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(frame);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw AvroSerializer.cannotSerialize(recordName, topic, e);
        }
        return out.toByteArray();
    }
}
