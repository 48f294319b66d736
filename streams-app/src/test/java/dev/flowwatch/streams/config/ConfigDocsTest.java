package dev.flowwatch.streams.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The README's configuration table and the comments of k8s/base/flowwatch.properties are rendered
 * from {@link AppSettings}: these tests fail when the committed files drift from the declarations.
 * Run with the environment variable {@value #REGENERATE} set, they rewrite both instead.
 */
class ConfigDocsTest {

    static final String REGENERATE = "REGENERATE_CONFIG_DOCS";

    private static final Path README = Path.of("..", "README.md");
    private static final Path PROPERTIES = Path.of("..", "k8s", "base", "flowwatch.properties");
    private static final String HOW =
            "rendered from AppSettings; regenerate with "
                    + REGENERATE
                    + "=1 and this test (README \"Configuration\")";

    @Test
    void readmeTableIsTheOneRenderedFromTheDeclarations() throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf(ConfigDocs.TABLE_HEADER + "\n");
        assertTrue(start >= 0, "README lacks the table header " + ConfigDocs.TABLE_HEADER);
        int end = start;
        while (end < readme.length() && readme.charAt(end) == '|') {
            end = readme.indexOf('\n', end) + 1;
        }
        String committed = readme.substring(start, end);
        String rendered = ConfigDocs.markdownTable();
        if (System.getenv(REGENERATE) != null) {
            String regenerated = readme.substring(0, start) + rendered + readme.substring(end);
            Files.writeString(README, regenerated);
        } else {
            assertEquals(rendered, committed, "README's configuration table is " + HOW);
        }
    }

    @Test
    void propertiesCommentsAreTheOnesRenderedFromTheDeclarations() throws IOException {
        String committed = Files.readString(PROPERTIES);
        String rendered = ConfigDocs.propertiesFile(committed);
        if (System.getenv(REGENERATE) != null) {
            Files.writeString(PROPERTIES, rendered);
        } else {
            assertEquals(rendered, committed, PROPERTIES + "'s comments are " + HOW);
        }
    }

    @Test
    void renderingReplacesCommentsAndKeepsValuesAndNotes() {
        String rendered =
                ConfigDocs.propertiesFile(
                        "# stale words\n## why 16 here\nbatch.max.size=16\nkafka.acks=all\n");

        assertTrue(rendered.contains("\n## why 16 here\nbatch.max.size=16\n"), rendered);
        assertTrue(
                rendered.replace("\n# ", " ")
                        .contains(
                                "batch.max.size: a batch is scored as soon as this many events"
                                        + " are pending (must be between 1 and 1024) [default:"
                                        + " 64]\n## why 16 here"),
                rendered);
        assertTrue(
                rendered.contains("# kafka.acks: passed to the Kafka clients as acks\nkafka.acks"),
                rendered);
        assertFalse(rendered.contains("stale"), rendered);
    }
}
