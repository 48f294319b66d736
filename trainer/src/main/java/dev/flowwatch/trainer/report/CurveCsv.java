package dev.flowwatch.trainer.report;

import dev.flowwatch.flowpp.train.TrainingProgress.CurvePoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes a training curve as CSV with the header {@code step,split,bits_per_dim}, one
 * {@link CurvePoint} per row; values use {@link Double#toString}, so they read back exactly and a
 * diverged run shows {@code NaN}.
 */
public final class CurveCsv {

  static final String HEADER = "step,split,bits_per_dim";

  private CurveCsv() {}

  public static void write(Path csv, List<CurvePoint> points) throws IOException {
    ReportFiles.write(csv, bytes(points));
  }

  /** The CSV file's content, UTF-8 with {@code \n} line ends. */
  public static byte[] bytes(List<CurvePoint> points) {
    StringBuilder out = new StringBuilder(HEADER).append('\n');
    for (CurvePoint point : points) {
      out.append(point.step()).append(',').append(point.split()).append(',');
      out.append(point.bitsPerDim()).append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** @throws IOException naming the file and line when the header or a row is malformed */
  public static List<CurvePoint> read(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).strip().equals(HEADER)) {
      throw new IOException(csv + ": first line must be the header '" + HEADER + "'");
    }
    List<CurvePoint> points = new ArrayList<>(lines.size() - 1);
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] fields = line.split(",", -1);
      try {
        if (fields.length != 3) {
          throw new IllegalArgumentException("expected 3 fields, found " + fields.length);
        }
        points.add(
            new CurvePoint(Long.parseLong(fields[0]), fields[1], Double.parseDouble(fields[2])));
      } catch (IllegalArgumentException e) {
        throw new IOException(csv + ":" + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return points;
  }
}
