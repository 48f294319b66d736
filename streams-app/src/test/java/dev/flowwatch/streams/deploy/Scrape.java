package dev.flowwatch.streams.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One /metrics response in the Prometheus text format: sample names, their labels, family types.
 */
final class Scrape {

    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)");
    private static final Pattern LABEL =
            Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** Sample name → the label sets it was seen with. */
    final Map<String, List<Map<String, String>>> samples = new TreeMap<>();

    /** Family name → counter, gauge, histogram, summary, info... */
    final Map<String, String> types = new TreeMap<>();

    /** Sample name → value, for the samples without labels. */
    final Map<String, Double> unlabelledValues = new TreeMap<>();

    Scrape(String text) {
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                types.put(parts[2], parts[3]);
            } else if (!line.startsWith("#") && !line.isBlank()) {
                Matcher m = SAMPLE.matcher(line);
                if (!m.find()) {
                    throw new IllegalArgumentException("not a sample: " + line);
                }
                Map<String, String> labels = new LinkedHashMap<>();
                if (m.group(3) != null) {
                    Matcher l = LABEL.matcher(m.group(3));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2));
                    }
                }
                samples.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(labels);
                if (labels.isEmpty()) {
                    unlabelledValues.put(m.group(1), Double.parseDouble(m.group(4)));
                }
            }
        }
    }

    /**
     * Whether the name is a sample of the scrape; a {@code _bucket} sample must belong to a
     * histogram, a {@code _sum} or {@code _count} to a histogram or a summary.
     */
    boolean exports(String name) {
        if (!samples.containsKey(name)) {
            return false;
        }
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            String family = name.substring(0, Math.max(0, name.length() - suffix.length()));
            if (name.endsWith(suffix) && types.containsKey(family)) {
                Set<String> allowed =
                        suffix.equals("_bucket")
                                ? Set.of("histogram")
                                : Set.of("histogram", "summary");
                return allowed.contains(types.get(family));
            }
        }
        return true;
    }

    /** Whether some sample of the name carries the label with the value. */
    boolean hasLabel(String name, String label, String value) {
        return samples.getOrDefault(name, List.of()).stream()
                .anyMatch(l -> value.equals(l.get(label)));
    }
}
