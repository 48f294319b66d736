package dev.flowwatch.schemas;

import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Every schema version a record has been written with, kept as resources {@code
 * dev/flowwatch/schemas/history/<Record>/v1.avsc, v2.avsc, ...} without gaps.
 *
 * <p>Single-object encoding carries only a fingerprint of the writer schema, so a reader can decode
 * an older producer's bytes only if it ships that producer's schema: when a record's .avsc changes,
 * its new version is added here and never removed.
 */
final class SchemaHistory {

    private SchemaHistory() {}

    /** The versions of the record {@code type} was generated from, oldest first. */
    static List<Schema> versionsOf(Class<?> type) {
        String recordName = SpecificData.get().getSchema(type).getName();
        List<Schema> versions = new ArrayList<>();
        for (int version = 1; ; version++) {
            String resource = "history/" + recordName + "/v" + version + ".avsc";
            try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return versions;
                }
                // One parser per file: every version defines the same names.
                versions.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read schema history " + resource, e);
            }
        }
    }

    static SchemaStore.Cache storeFor(Class<?> type) {
        SchemaStore.Cache store = new SchemaStore.Cache();
        versionsOf(type).forEach(store::addSchema);
        return store;
    }
}
