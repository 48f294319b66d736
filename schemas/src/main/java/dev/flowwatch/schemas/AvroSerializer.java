package dev.flowwatch.schemas;

import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Writes a record in Avro single-object encoding: marker {@code C3 01}, the writer schema's
 * CRC-64-AVRO fingerprint, then the binary body.
 *
 * <p>Thread-safe: {@link BinaryMessageEncoder} is documented as thread-safe (its buffers are
 * thread-local), and this class holds no other state.
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private final String recordName;
    private final BinaryMessageEncoder<T> encoder;

    AvroSerializer(Class<T> type) {
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        this.recordName = schema.getName();
        this.encoder = new BinaryMessageEncoder<>(model, schema);
    }

    /** Returns null for a null record, Kafka's tombstone. */
    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            encoder.encode(record, out);
        } catch (IOException | RuntimeException e) {
            throw cannotSerialize(recordName, topic, e);
        }
        return out.toByteArray();
    }

    /**
     * Avro reports a missing required field as NullPointerException and a wrong union branch as
     * UnresolvedUnionException; Kafka hands only SerializationException to the producer's
     * exception handler, so all of them are translated.
     */
    static SerializationException cannotSerialize(String recordName, String topic, Exception e) {
        return new SerializationException(
                "Cannot serialize " + recordName + " for topic " + topic + ": " + e.getMessage(),
                e);
    }
}
