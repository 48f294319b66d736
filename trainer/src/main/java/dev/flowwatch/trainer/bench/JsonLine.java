package dev.flowwatch.trainer.bench;

import java.util.Map;
import java.util.stream.Collectors;

/** The benchmarks' output: flat JSON objects, one per line, numbers to three decimals. */
final class JsonLine {

    private JsonLine() {}

    /** The fields in their order; strings quoted, everything else as Java prints it. */
    static String of(Map<String, Object> fields) {
        return fields.entrySet().stream()
                .map(
                        e ->
                                "\""
                                        + e.getKey()
                                        + "\": "
                                        + (e.getValue() instanceof String s
                                                ? "\"" + s + "\""
                                                : String.valueOf(e.getValue())))
                .collect(Collectors.joining(", ", "{", "}"));
    }

    static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
