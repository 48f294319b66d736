package dev.flowwatch.trainer.report;

import dev.flowwatch.flowpp.data.ImageSet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes per-image values as CSV: {@code index,label} then one column per entry of the map, in its
 * order. The label is empty for unlabelled data; values use {@link Double#toString}, so they read
 * back exactly.
 */
public final class ScoresCsv {

    private ScoresCsv() {}

    /**
     * @param columns per column name, one value per image
     * @throws IllegalArgumentException when a column has another length than the images
     */
    public static void write(Path csv, ImageSet images, Map<String, double[]> columns)
            throws IOException {
        StringBuilder out = new StringBuilder("index,label");
        for (Map.Entry<String, double[]> column : columns.entrySet()) {
            if (column.getValue().length != images.size()) {
                throw new IllegalArgumentException(
                        "column %s has %d values for %d images"
                                .formatted(
                                        column.getKey(), column.getValue().length, images.size()));
            }
            out.append(',').append(column.getKey());
        }
        for (int i = 0; i < images.size(); i++) {
            out.append('\n').append(i).append(',');
            if (images.hasLabels()) {
                out.append(images.label(i));
            }
            for (double[] values : columns.values()) {
                out.append(',').append(values[i]);
            }
        }
        ReportFiles.write(csv, out.append('\n').toString().getBytes(StandardCharsets.UTF_8));
    }
}
