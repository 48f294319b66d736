package dev.flowwatch.streams.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders the declarations of {@link AppSettings} as the README's configuration table and as the
 * comments of a properties file, so that neither is written by hand.
 */
final class ConfigDocs {

    static final String TABLE_HEADER = "| key | default | meaning |";

    /** Lines of a properties file that this renderer keeps: the deployment's own notes. */
    static final String NOTE = "## ";

    private static final int WIDTH = 100;

    private static final List<String> PROPERTIES_HEADER =
            List.of(
                    "# flowwatch streams app settings (README \"Configuration\"); FLOWWATCH_*"
                            + " variables set in the",
                    "# StatefulSet override these. The \"# \" comments are rendered from"
                            + " AppSettings by ConfigDocsTest;",
                    "# \"## \" lines are this deployment's own notes.");

    private ConfigDocs() {}

    /** The markdown table, header to last row, each line ending in a newline. */
    static String markdownTable() {
        StringBuilder out = new StringBuilder(TABLE_HEADER + "\n|---|---|---|\n");
        for (ConfigKey key : AppSettings.DEFINITION.configKeys().values()) {
            out.append("| `")
                    .append(key.name)
                    .append("` | ")
                    .append(defaultText(key))
                    .append(" | ")
                    // a bare <topic.scores> would be read as an HTML tag
                    .append(meaning(key).replace("<", "&lt;").replace("|", "\\|"))
                    .append(" |\n");
        }
        return out.toString();
    }

    /**
     * {@code committed} with its comments rendered afresh: a header, and before each setting the
     * meaning of its key; its values and its {@value #NOTE} lines are kept.
     */
    static String propertiesFile(String committed) {
        List<String> out = new ArrayList<>(PROPERTIES_HEADER);
        List<String> notes = new ArrayList<>();
        for (String line : committed.split("\n")) {
            if (line.startsWith(NOTE)) {
                notes.add(line);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                out.add("");
                out.addAll(comment(line.substring(0, line.indexOf('=')).trim()));
                out.addAll(notes);
                out.add(line);
                notes.clear();
            }
        }
        return String.join("\n", out) + "\n";
    }

    private static List<String> comment(String key) {
        ConfigKey declared = AppSettings.DEFINITION.configKeys().get(key);
        String text =
                declared == null
                        ? key + ": passed to the Kafka clients as "
                                + key.substring(AppConfig.KAFKA_PREFIX.length())
                        : key + ": " + meaning(declared)
                                + (declared.hasDefault()
                                        ? " [default: " + defaultText(declared) + "]"
                                        : " [required]");
        return wrap(text);
    }

    private static List<String> wrap(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder("#");
        for (String word : text.split(" ")) {
            if (line.length() + 1 + word.length() > WIDTH && line.length() > 1) {
                lines.add(line.toString());
                line = new StringBuilder("#");
            }
            line.append(' ').append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    private static String meaning(ConfigKey key) {
        return key.validator == null
                ? key.documentation
                : key.documentation + " (must be " + key.validator + ")";
    }

    private static String defaultText(ConfigKey key) {
        if (!key.hasDefault()) {
            return "required";
        }
        if (key.defaultValue == null) {
            return "none";
        }
        // state.dir's default lies under the temp directory of whoever renders the table
        return ConfigDef.convertToString(key.defaultValue, key.type)
                .replace(
                        Path.of(System.getProperty("java.io.tmpdir")).toString(),
                        "${java.io.tmpdir}");
    }
}
