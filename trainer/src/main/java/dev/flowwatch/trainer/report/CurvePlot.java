package dev.flowwatch.trainer.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws named series of (x, y) points as an antialiased line chart with a title, axis labels, tick
 * labels, grid lines and a legend, e.g. train and validation bits/dim per step.
 *
 * <p>Points with a NaN or infinite coordinate are left out and break the line; a point without
 * neighbours, such as a series of one point, is drawn as a dot. With no finite point at all the
 * chart says so instead of failing.
 */
public final class CurvePlot {

  // The "tab10" palette of matplotlib and Vega: distinct hues that stay apart in print.
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    new Color(0xbcbd22), new Color(0x17becf)
  };
  private static final Color GRID = new Color(0xe5e5e5);
  private static final Color AXIS = new Color(0x404040);
  private static final Color TEXT = new Color(0x202020);
  private static final int TICK_TARGET = 6;
  /** Series with at most this many points get a dot on every point, so sparse curves show data. */
  private static final int MARKER_LIMIT = 40;

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final int width;
  private final int height;

  /**
   * @param width picture width in pixels, at least 200
   * @param height picture height in pixels, at least 150
   */
  public CurvePlot(String title, String xLabel, String yLabel, int width, int height) {
    if (width < 200 || height < 150) {
      throw new IllegalArgumentException(
          "a plot needs at least 200×150 pixels, got %d×%d".formatted(width, height));
    }
    this.title = title == null ? "" : title;
    this.xLabel = xLabel == null ? "" : xLabel;
    this.yLabel = yLabel == null ? "" : yLabel;
    this.width = width;
    this.height = height;
  }

  public void write(Path png, List<Series> series) throws IOException {
    Png.write(render(series), png);
  }

  /** The chart as the bytes of a PNG file. */
  public byte[] png(List<Series> series) {
    return Png.encode(render(series));
  }

  public BufferedImage render(List<Series> series) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      draw(g, series);
    } finally {
      g.dispose();
    }
    return image;
  }

  private void draw(Graphics2D g, List<Series> series) {
    Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 16);

    Range xData = Range.of(series, true);
    Range yData = Range.of(series, false);
    Axis xAxis = Axis.covering(xData, 0);
    // A little headroom above and below, so curves do not run along the frame.
    Axis yAxis = Axis.covering(yData, 0.04);

    g.setFont(tickFont);
    FontMetrics tickMetrics = g.getFontMetrics();
    int yTickWidth = 0;
    for (double tick : yAxis.ticks()) {
      yTickWidth = Math.max(yTickWidth, tickMetrics.stringWidth(yAxis.format(tick)));
    }
    int top = title.isEmpty() ? 20 : 48;
    int left = 28 + yTickWidth + 10;
    int right = width - 24;
    int bottom = height - (xLabel.isEmpty() ? 34 : 54);
    Rectangle plot = new Rectangle(left, top, right - left, bottom - top);

    drawGridAndTicks(g, plot, xAxis, yAxis, tickMetrics);
    drawLabels(g, plot, labelFont, titleFont);

    if (!xData.hasData()) {
      g.setFont(labelFont);
      g.setColor(Color.GRAY);
      centre(g, "no finite values to plot", plot.getCenterX(), plot.getCenterY());
    } else {
      for (int s = 0; s < series.size(); s++) {
        drawSeries(g, series.get(s), PALETTE[s % PALETTE.length], plot, xAxis, yAxis);
      }
    }

    g.setColor(AXIS);
    g.setStroke(new BasicStroke(1f));
    g.draw(new Rectangle(plot.x, plot.y, plot.width, plot.height));
    drawLegend(g, series, plot, tickFont);
  }

  private void drawGridAndTicks(
      Graphics2D g, Rectangle plot, Axis xAxis, Axis yAxis, FontMetrics metrics) {
    g.setStroke(new BasicStroke(1f));
    for (double tick : xAxis.ticks()) {
      double x = xAxis.toPixel(tick, plot.x, plot.x + plot.width);
      g.setColor(GRID);
      g.draw(new Line2D.Double(x, plot.y, x, plot.y + plot.height));
      g.setColor(AXIS);
      g.draw(new Line2D.Double(x, plot.y + plot.height, x, plot.y + plot.height + 5));
      g.setColor(TEXT);
      String label = xAxis.format(tick);
      g.drawString(
          label,
          (float) (x - metrics.stringWidth(label) / 2.0),
          plot.y + plot.height + 7 + metrics.getAscent());
    }
    for (double tick : yAxis.ticks()) {
      // Screen y grows downwards, so the top of the plot maps to the axis maximum.
      double y = yAxis.toPixel(tick, plot.y + plot.height, plot.y);
      g.setColor(GRID);
      g.draw(new Line2D.Double(plot.x, y, plot.x + plot.width, y));
      g.setColor(AXIS);
      g.draw(new Line2D.Double(plot.x - 5, y, plot.x, y));
      g.setColor(TEXT);
      String label = yAxis.format(tick);
      g.drawString(
          label,
          (float) (plot.x - 8 - metrics.stringWidth(label)),
          (float) (y + (metrics.getAscent() - metrics.getDescent()) / 2.0));
    }
  }

  private void drawLabels(Graphics2D g, Rectangle plot, Font labelFont, Font titleFont) {
    g.setColor(TEXT);
    if (!title.isEmpty()) {
      g.setFont(titleFont);
      centre(g, title, plot.getCenterX(), 26);
    }
    g.setFont(labelFont);
    if (!xLabel.isEmpty()) {
      centre(g, xLabel, plot.getCenterX(), height - 16);
    }
    if (!yLabel.isEmpty()) {
      AffineTransform saved = g.getTransform();
      g.rotate(-Math.PI / 2, 16, plot.getCenterY());
      centre(g, yLabel, 16, plot.getCenterY());
      g.setTransform(saved);
    }
  }

  private static void drawSeries(
      Graphics2D g, Series series, Color colour, Rectangle plot, Axis xAxis, Axis yAxis) {
    List<Series.Point> points = series.points();
    List<double[]> dots = new ArrayList<>();
    Path2D.Double line = new Path2D.Double();
    boolean markEvery = points.size() <= MARKER_LIMIT;
    for (int i = 0; i < points.size(); i++) {
      Series.Point p = points.get(i);
      if (!isFinite(p)) {
        continue;
      }
      double x = xAxis.toPixel(p.x(), plot.x, plot.x + plot.width);
      double y = yAxis.toPixel(p.y(), plot.y + plot.height, plot.y);
      boolean joinsPrevious = i > 0 && isFinite(points.get(i - 1));
      boolean joinsNext = i + 1 < points.size() && isFinite(points.get(i + 1));
      if (joinsPrevious) {
        line.lineTo(x, y);
      } else {
        line.moveTo(x, y);
      }
      if (markEvery || !(joinsPrevious || joinsNext)) {
        dots.add(new double[] {x, y});
      }
    }
    g.setColor(colour);
    g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.draw(line);
    double radius = 3.5;
    for (double[] dot : dots) {
      g.fill(new Ellipse2D.Double(dot[0] - radius, dot[1] - radius, 2 * radius, 2 * radius));
    }
  }

  private static void drawLegend(Graphics2D g, List<Series> series, Rectangle plot, Font font) {
    if (series.isEmpty()) {
      return;
    }
    g.setFont(font);
    FontMetrics metrics = g.getFontMetrics();
    int swatch = 22;
    int rowHeight = metrics.getHeight() + 2;
    int textWidth = series.stream().mapToInt(s -> metrics.stringWidth(s.name())).max().orElse(0);
    int boxWidth = 10 + swatch + 8 + textWidth + 10;
    int boxHeight = 8 + rowHeight * series.size();
    int boxX = plot.x + plot.width - boxWidth - 10;
    int boxY = plot.y + 10;
    g.setColor(new Color(255, 255, 255, 225));
    g.fillRoundRect(boxX, boxY, boxWidth, boxHeight, 6, 6);
    g.setColor(new Color(0xbbbbbb));
    g.setStroke(new BasicStroke(1f));
    g.drawRoundRect(boxX, boxY, boxWidth, boxHeight, 6, 6);
    for (int s = 0; s < series.size(); s++) {
      int rowMiddle = boxY + 4 + rowHeight * s + rowHeight / 2;
      g.setColor(PALETTE[s % PALETTE.length]);
      g.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.drawLine(boxX + 10, rowMiddle, boxX + 10 + swatch, rowMiddle);
      g.setColor(TEXT);
      g.drawString(
          series.get(s).name(),
          boxX + 10 + swatch + 8,
          rowMiddle + (metrics.getAscent() - metrics.getDescent()) / 2);
    }
  }

  private static void centre(Graphics2D g, String text, double x, double baseline) {
    g.drawString(text, (float) (x - g.getFontMetrics().stringWidth(text) / 2.0), (float) baseline);
  }

  private static boolean isFinite(Series.Point p) {
    return Double.isFinite(p.x()) && Double.isFinite(p.y());
  }

  /** The smallest and largest finite coordinate of all series along one axis. */
  private record Range(double min, double max) {

    static Range of(List<Series> series, boolean alongX) {
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (Series s : series) {
        for (Series.Point p : s.points()) {
          if (isFinite(p)) {
            double v = alongX ? p.x() : p.y();
            min = Math.min(min, v);
            max = Math.max(max, v);
          }
        }
      }
      return new Range(min, max);
    }

    boolean hasData() {
      return min <= max;
    }
  }

  /** An axis from {@code low} to {@code high} with ticks every {@code step}, all round numbers. */
  private record Axis(double low, double high, double step) {

    /**
     * Round limits around the data, widened by {@code margin} of its span on each side; a single
     * value gets an interval around it, no data the interval 0..1.
     */
    static Axis covering(Range data, double margin) {
      double min = data.hasData() ? data.min() : 0;
      double max = data.hasData() ? data.max() : 1;
      if (min == max) {
        double pad = min == 0 ? 1 : Math.abs(min) * 0.05;
        // Non-negative data such as step counts should not get a negative axis.
        min = min >= 0 ? Math.max(0, min - pad) : min - pad;
        max += pad;
      }
      double span = max - min;
      min -= span * margin;
      max += span * margin;
      double step = niceStep((max - min) / TICK_TARGET);
      return new Axis(Math.floor(min / step) * step, Math.ceil(max / step) * step, step);
    }

    /** The 1, 2 or 5 times a power of ten nearest above {@code raw}, as in Heckbert's labels. */
    private static double niceStep(double raw) {
      double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
      double fraction = raw / magnitude;
      double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
      return nice * magnitude;
    }

    List<Double> ticks() {
      List<Double> ticks = new ArrayList<>();
      long count = Math.round((high - low) / step);
      for (long i = 0; i <= count; i++) {
        ticks.add(low + i * step);
      }
      return ticks;
    }

    double toPixel(double value, double pixelAtLow, double pixelAtHigh) {
      return pixelAtLow + (value - low) / (high - low) * (pixelAtHigh - pixelAtLow);
    }

    /** Enough decimals to tell ticks apart; thousands as "k" once steps are that coarse. */
    String format(double value) {
      if (step >= 1000 && Math.abs(value) >= 10_000) {
        return formatDecimals(value / 1000, step / 1000) + "k";
      }
      return formatDecimals(value, step);
    }

    private static String formatDecimals(double value, double step) {
      int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
      String text = String.format(Locale.ROOT, "%." + decimals + "f", value);
      // Rounding can leave "-0" or "-0.0" for a tick at zero.
      return text.matches("-0(\\.0+)?") ? text.substring(1) : text;
    }
  }
}
