package dev.flowwatch.trainer.report;

import dev.flowwatch.flowpp.train.TrainingProgress.CurvePoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A named line on a {@link CurvePlot}: its points in drawing order.
 *
 * @param name the legend entry
 * @param points the points; a NaN or infinite coordinate leaves a gap in the line
 */
public record Series(String name, List<Point> points) {

  /** One point of a series. */
  public record Point(double x, double y) {}

  public Series {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a series needs a name for the legend");
    }
    points = List.copyOf(points);
  }

  /**
   * One series per split of a training curve, named after the split, in the order the splits first
   * appear, with step as x and bits per dimension as y.
   */
  public static List<Series> bySplit(List<CurvePoint> curve) {
    Map<String, List<Point>> splits = new LinkedHashMap<>();
    for (CurvePoint point : curve) {
      splits
          .computeIfAbsent(point.split(), split -> new ArrayList<>())
          .add(new Point(point.step(), point.bitsPerDim()));
    }
    List<Series> series = new ArrayList<>(splits.size());
    splits.forEach((name, points) -> series.add(new Series(name, points)));
    return series;
  }
}
