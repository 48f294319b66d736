package dev.flowwatch.schemas;

import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Reads a record in Avro single-object encoding, resolving the writer schema named by the header's
 * fingerprint against the current (reader) schema.
 *
 * <p>Bad bytes never escape as anything but {@link MessageDecodingException}. Thread-safe: {@link
 * BinaryMessageDecoder} is documented as thread-safe.
 *
 * <p>Avro allocates a string, bytes or collection at the length the body declares before reading
 * it, up to about 2 GiB, so one corrupt length could exhaust the heap. Applications bound that with
 * Avro's JVM-wide system properties {@code org.apache.avro.limits.string.maxLength}, {@code
 * org.apache.avro.limits.bytes.maxLength} and {@code
 * org.apache.avro.limits.collectionItems.maxLength} (e.g. to the topic's {@code
 * max.message.bytes}); past them decoding fails as {@link
 * MessageDecodingException.Problem#UNDECODABLE_BODY}.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final String recordName;
    private final BinaryMessageDecoder<T> decoder;

    AvroDeserializer(Class<T> type, SchemaStore writerSchemas) {
        SpecificData model = SpecificData.getForClass(type);
        Schema readerSchema = model.getSchema(type);
        this.recordName = readerSchema.getName();
        this.decoder = new BinaryMessageDecoder<>(model, readerSchema, writerSchemas);
    }

    /** Returns null for null bytes, Kafka's tombstone. */
    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        T record;
        try {
            record = decoder.decode(in, null);
        } catch (BadHeaderException e) {
            throw MessageDecodingException.badHeader(recordName, topic, data);
        } catch (MissingSchemaException e) {
            throw MessageDecodingException.unknownFingerprint(recordName, topic, data);
        } catch (IOException | RuntimeException e) {
            // Corrupt bodies surface as whatever the datum reader trips on first: EOFException,
            // AvroRuntimeException, an enum index out of bounds, a negative length...
            throw MessageDecodingException.undecodableBody(recordName, topic, data.length, e);
        }
        // Avro decodes straight from the stream without read-ahead, so what is left was not read.
        if (in.available() > 0) {
            throw MessageDecodingException.trailingBytes(
                    recordName, topic, data.length, in.available());
        }
        return record;
    }
}
