package dev.flowwatch.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

/**
 * Guards the wire contract: a change to an .avsc that old producers or consumers could not live
 * with, or that was not recorded in the schema history, fails the build.
 */
class SchemaHistoryCompatibilityTest {

    @ParameterizedTest
    @ValueSource(classes = {ImageEvent.class, AnomalyScore.class, AnomalyAlert.class})
    void currentSchemaReadsEveryHistoricalWriter(Class<?> type) {
        Schema current = SpecificData.get().getSchema(type);
        for (Schema old : SchemaHistory.versionsOf(type)) {
            assertCompatible(SchemaCompatibility.checkReaderWriterCompatibility(current, old));
        }
    }

    @ParameterizedTest
    @ValueSource(classes = {ImageEvent.class, AnomalyScore.class, AnomalyAlert.class})
    void everyHistoricalReaderReadsCurrentWriter(Class<?> type) {
        Schema current = SpecificData.get().getSchema(type);
        for (Schema old : SchemaHistory.versionsOf(type)) {
            assertCompatible(SchemaCompatibility.checkReaderWriterCompatibility(old, current));
        }
    }

    @ParameterizedTest
    @ValueSource(classes = {ImageEvent.class, AnomalyScore.class, AnomalyAlert.class})
    void currentSchemaIsTheLatestHistoricalVersion(Class<?> type) {
        List<Schema> history = SchemaHistory.versionsOf(type);
        assertFalse(history.isEmpty(), "no schema history for " + type.getSimpleName());

        // Compared by fingerprint, which is what goes on the wire: doc-only edits need no new
        // version.
        assertEquals(
                SchemaNormalization.parsingFingerprint64(SpecificData.get().getSchema(type)),
                SchemaNormalization.parsingFingerprint64(history.get(history.size() - 1)),
                "the current "
                        + type.getSimpleName()
                        + ".avsc changed the wire format: add it to"
                        + " history/"
                        + type.getSimpleName()
                        + " as the next version");
    }

    private static void assertCompatible(SchemaPairCompatibility result) {
        assertEquals(
                SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
                result.getType(),
                () -> result.getDescription() + " " + result.getResult().getIncompatibilities());
    }
}
