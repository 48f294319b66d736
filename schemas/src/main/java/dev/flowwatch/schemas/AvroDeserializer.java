package dev.flowwatch.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.DatumReader;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a record in Avro single-object encoding, resolving the writer schema named by the header's
 * fingerprint against the current (reader) schema.
 *
 * <p>Bad bytes never escape as anything but {@link MessageDecodingException}. Thread-safe: the
 * datum readers are, and each call decodes with its own decoder.
 *
 * <p>What a message declares is checked against what it holds before anything is allocated ({@link
 * BoundedDecoder}): a string, bytes or collection longer than the rest of the message is {@link
 * MessageDecodingException.Problem#UNDECODABLE_BODY}, in any JVM, whatever Avro's {@code
 * org.apache.avro.limits.*} system properties say.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private static final byte[] MARKER = {(byte) 0xC3, 0x01};

    private final String recordName;
    private final SpecificData model;
    private final Schema readerSchema;
    private final SchemaStore writerSchemas;
    private final long readerFingerprint;
    private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();

    AvroDeserializer(Class<T> type, SchemaStore writerSchemas) {
        this.model = SpecificData.getForClass(type);
        this.readerSchema = model.getSchema(type);
        this.recordName = readerSchema.getName();
        this.writerSchemas = writerSchemas;
        this.readerFingerprint = SchemaNormalization.parsingFingerprint64(readerSchema);
    }

    /** Returns null for null bytes, Kafka's tombstone. */
    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < MessageDecodingException.HEADER_LENGTH
                || data[0] != MARKER[0]
                || data[1] != MARKER[1]) {
            throw MessageDecodingException.badHeader(recordName, topic, data);
        }
        long fingerprint = ByteBuffer.wrap(data, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        DatumReader<T> reader = readerFor(fingerprint);
        if (reader == null) {
            throw MessageDecodingException.unknownFingerprint(recordName, topic, data);
        }
        return AvroBody.read(
                reader, recordName, topic, data, MessageDecodingException.HEADER_LENGTH);
    }

    /** The reader from the writer schema of {@code fingerprint}, or null if none is known. */
    private DatumReader<T> readerFor(long fingerprint) {
        DatumReader<T> reader = readers.get(fingerprint);
        if (reader != null) {
            return reader;
        }
        Schema writer =
                fingerprint == readerFingerprint
                        ? readerSchema
                        : writerSchemas.findByFingerprint(fingerprint);
        if (writer == null) {
            return null;
        }
        // Only known fingerprints are cached, so random headers cannot grow the map.
        return readers.computeIfAbsent(
                fingerprint, f -> new SpecificDatumReader<>(writer, readerSchema, model));
    }
}
