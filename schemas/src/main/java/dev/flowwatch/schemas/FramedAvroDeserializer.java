package dev.flowwatch.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a record in whichever framing its producer used, detected per message:
 *
 * <ol>
 *   <li>Apicurio's headers ({@code apicurio.value.globalId} or {@code apicurio.value.contentId}, 8
 *       bytes big-endian): the value is the bare Avro body (Apicurio 2.x's default);
 *   <li>{@code C3 01}: Avro single-object encoding, flowwatch's own ({@link AvroDeserializer});
 *   <li>{@code 00} and a 4-byte big-endian schema id: Confluent's and Karapace's frame, and
 *       Apicurio's with {@code as-confluent} (3.x's default), looked up at the Confluent-compatible
 *       API;
 *   <li>{@code 00} and an 8-byte globalId: Apicurio 2.x with headers off. Ids start at 1, so a
 *       4-byte id of 0 means the first four bytes of an 8-byte one.
 * </ol>
 *
 * The writer schema the registry names is resolved against this version's reader schema, so
 * producers may add optional fields; one that cannot be resolved is {@link
 * MessageDecodingException.Problem#INCOMPATIBLE_SCHEMA}. Bodies are decoded under the same bounds
 * as single-object messages. Without a registry only single-object encoding is read.
 *
 * <p>Thread-safe. An unknown id is a {@link MessageDecodingException} (the message's fault); a
 * registry that cannot answer is {@link SchemaRegistryUnavailableException} (nobody's fault yet).
 */
public final class FramedAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    static final String GLOBAL_ID_HEADER = "apicurio.value.globalId";
    static final String CONTENT_ID_HEADER = "apicurio.value.contentId";
    static final String ENCODING_HEADER = "apicurio.value.encoding";

    private static final byte REGISTRY_MARKER = 0x00;

    private final AvroDeserializer<T> singleObject;
    private final Optional<SchemaRegistryClient> registry;
    private final SpecificData model;
    private final Schema readerSchema;
    private final String recordName;
    private final BoundedCache<RegistryId, Resolution<T>> readers;

    private FramedAvroDeserializer(Class<T> type, Optional<SchemaRegistryClient> registry) {
        this.singleObject = new AvroDeserializer<>(type, SchemaHistory.storeFor(type));
        this.registry = registry;
        this.model = SpecificData.getForClass(type);
        this.readerSchema = model.getSchema(type);
        this.recordName = readerSchema.getName();
        this.readers = new BoundedCache<>(registry.map(SchemaRegistryClient::cacheSize).orElse(1));
    }

    /** Single-object encoding only: what flowwatch writes without a registry. */
    public static <T extends SpecificRecord> FramedAvroDeserializer<T> withoutRegistry(
            Class<T> type) {
        return new FramedAvroDeserializer<>(type, Optional.empty());
    }

    /** Every framing above, with writer schemas from {@code registry}. */
    public static <T extends SpecificRecord> FramedAvroDeserializer<T> withRegistry(
            Class<T> type, SchemaRegistryClient registry) {
        return new FramedAvroDeserializer<>(type, Optional.of(registry));
    }

    /** Without headers, Apicurio's header framing cannot be told. */
    @Override
    public T deserialize(String topic, byte[] data) {
        return deserialize(topic, null, data);
    }

    /** Returns null for null bytes, Kafka's tombstone. */
    @Override
    public T deserialize(String topic, Headers headers, byte[] data) {
        if (data == null) {
            return null;
        }
        if (registry.isEmpty()) {
            return singleObject.deserialize(topic, data);
        }
        Optional<RegistryId> fromHeaders = idInHeaders(topic, headers);
        if (fromHeaders.isPresent()) {
            return read(topic, fromHeaders.get(), data, 0);
        }
        if (data.length == 0 || data[0] != REGISTRY_MARKER) {
            return singleObject.deserialize(topic, data);
        }
        if (data.length < 5) {
            throw MessageDecodingException.shortFrame(recordName, topic, data);
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        if (id != 0) {
            return read(
                    topic, new RegistryId(RegistryId.Kind.SCHEMA_ID, id & 0xFFFFFFFFL), data, 5);
        }
        if (data.length < 9) {
            throw MessageDecodingException.shortFrame(recordName, topic, data);
        }
        long globalId = ByteBuffer.wrap(data, 1, 8).getLong();
        return read(topic, new RegistryId(RegistryId.Kind.GLOBAL_ID, globalId), data, 9);
    }

    private Optional<RegistryId> idInHeaders(String topic, Headers headers) {
        if (headers == null) {
            return Optional.empty();
        }
        Header encoding = headers.lastHeader(ENCODING_HEADER);
        if (encoding != null && encoding.value() != null) {
            String name = new String(encoding.value(), StandardCharsets.UTF_8);
            if (!name.equals("BINARY")) {
                throw MessageDecodingException.unsupportedEncoding(recordName, topic, name);
            }
        }
        Optional<RegistryId> global =
                longHeader(headers, GLOBAL_ID_HEADER, RegistryId.Kind.GLOBAL_ID);
        return global.isPresent()
                ? global
                : longHeader(headers, CONTENT_ID_HEADER, RegistryId.Kind.CONTENT_ID);
    }

    /** A header of another length is not Apicurio's: the value's own frame decides. */
    private static Optional<RegistryId> longHeader(
            Headers headers, String name, RegistryId.Kind kind) {
        Header h = headers.lastHeader(name);
        if (h == null || h.value() == null || h.value().length != Long.BYTES) {
            return Optional.empty();
        }
        return Optional.of(new RegistryId(kind, ByteBuffer.wrap(h.value()).getLong()));
    }

    /**
     * How the records of one writer schema are read: a reader resolving it against this record's
     * schema; where some of its records cannot be read as this record, why; and the fields this
     * record keeps in milliseconds that the writer wrote in a finer unit.
     */
    private record Resolution<T>(
            DatumReader<T> reader, String incompatibility, Map<Integer, ChronoUnit> finerTimes) {}

    private T read(String topic, RegistryId id, byte[] data, int offset) {
        Schema writer =
                registry.orElseThrow()
                        .schema(id)
                        .orElseThrow(
                                () ->
                                        MessageDecodingException.unknownSchemaId(
                                                recordName, topic, id));
        Resolution<T> resolution = resolutionOf(id, writer);
        try {
            T record = AvroBody.read(resolution.reader(), recordName, topic, data, offset);
            resolution.finerTimes().forEach((field, unit) -> rescale(record, field, unit));
            return record;
        } catch (MessageDecodingException e) {
            if (resolution.incompatibility() == null
                    || e.problem() != MessageDecodingException.Problem.UNDECODABLE_BODY) {
                throw e;
            }
            throw MessageDecodingException.incompatibleSchema(
                    recordName,
                    topic,
                    id,
                    resolution.incompatibility() + "; this record: " + e.getMessage());
        }
    }

    /**
     * A schema that is not compatible as a whole may still write records this one reads (a symbol
     * added to an enum, a field made nullable: Avro resolves each record and fails only on one that
     * uses what this record lacks), as stock consumers read them: only the records that fail are
     * refused, as of an incompatible schema.
     */
    private Resolution<T> resolutionOf(RegistryId id, Schema writer) {
        Resolution<T> known = readers.get(id);
        if (known != null) {
            return known;
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        Resolution<T> resolution =
                new Resolution<>(
                        new SpecificDatumReader<>(writer, readerSchema, model),
                        compatibility.getType()
                                        == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE
                                ? null
                                : compatibility.getDescription(),
                        finerTimes(writer));
        readers.put(id, resolution);
        return resolution;
    }

    /**
     * This record's timestamp-millis fields that the writer declares in microseconds or nanoseconds
     * (as Spark writes them): Avro resolves a long to a long whatever its unit, and would read 2026
     * as a year in the tens of thousands. A nullable one Avro cannot read at all (it converts the
     * union's branch, then the field): such records are INCOMPATIBLE_SCHEMA.
     */
    private Map<Integer, ChronoUnit> finerTimes(Schema writer) {
        Map<Integer, ChronoUnit> finer = new HashMap<>();
        for (Schema.Field field : readerSchema.getFields()) {
            Schema.Field written = writer.getField(field.name());
            if (written == null || !isLogical(field.schema(), "timestamp-millis")) {
                continue;
            }
            if (isLogical(written.schema(), "timestamp-micros")) {
                finer.put(field.pos(), ChronoUnit.MICROS);
            } else if (isLogical(written.schema(), "timestamp-nanos")) {
                finer.put(field.pos(), ChronoUnit.NANOS);
            }
        }
        return Map.copyOf(finer);
    }

    private static boolean isLogical(Schema schema, String name) {
        return schema.getLogicalType() != null && schema.getLogicalType().getName().equals(name);
    }

    /** The field, read as milliseconds, as the count of {@code unit} the writer meant. */
    private static void rescale(SpecificRecord record, int field, ChronoUnit unit) {
        if (record.get(field) instanceof Instant read) {
            record.put(field, Instant.EPOCH.plus(read.toEpochMilli(), unit));
        }
    }
}
