package dev.flowwatch.trainer.report;

import dev.flowwatch.flowpp.data.ImageSet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes per-image values as CSV: {@code index,label}, one column per entry of the numbers' map,
 * then one per entry of the words' map, each in its order. The label is empty for unlabelled data;
 * numbers use {@link Double#toString}, so they read back exactly.
 */
public final class ScoresCsv {

    private ScoresCsv() {}

    /**
     * @param columns per column name, one number per image
     * @param words per column name, one word per image (no commas, quotes or line breaks)
     * @throws IllegalArgumentException when a column has another length than the images, or a word
     *     would need quoting
     */
    public static void write(
            Path csv, ImageSet images, Map<String, double[]> columns, Map<String, String[]> words)
            throws IOException {
        StringBuilder out = new StringBuilder("index,label");
        for (Map.Entry<String, double[]> column : columns.entrySet()) {
            header(out, column.getKey(), column.getValue().length, images);
        }
        for (Map.Entry<String, String[]> column : words.entrySet()) {
            header(out, column.getKey(), column.getValue().length, images);
            for (String word : column.getValue()) {
                if (word.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r')) {
                    throw new IllegalArgumentException(
                            "column %s: %s would need quoting".formatted(column.getKey(), word));
                }
            }
        }
        for (int i = 0; i < images.size(); i++) {
            out.append('\n').append(i).append(',');
            if (images.hasLabels()) {
                out.append(images.label(i));
            }
            for (double[] values : columns.values()) {
                out.append(',').append(values[i]);
            }
            for (String[] values : words.values()) {
                out.append(',').append(values[i]);
            }
        }
        ReportFiles.write(csv, out.append('\n').toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void header(StringBuilder out, String name, int values, ImageSet images) {
        if (values != images.size()) {
            throw new IllegalArgumentException(
                    "column %s has %d values for %d images".formatted(name, values, images.size()));
        }
        out.append(',').append(name);
    }
}
