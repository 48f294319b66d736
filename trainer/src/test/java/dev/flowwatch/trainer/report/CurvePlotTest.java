package dev.flowwatch.trainer.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.train.TrainingProgress.CurvePoint;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurvePlotTest {

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  /** The first series' colour in the plot palette. */
  private static final int FIRST_COLOUR = 0x1f77b4;

  private static final CurvePlot PLOT = new CurvePlot("bits/dim", "step", "bits/dim", 640, 400);

  @TempDir Path dir;

  @Test
  void writesAPngOfTheRequestedSize() throws IOException {
    List<CurvePoint> curve = new ArrayList<>();
    for (int step = 0; step <= 1000; step += 50) {
      curve.add(new CurvePoint(step, "train", 8 - step / 200.0));
      curve.add(new CurvePoint(step, "validation", 8.2 - step / 220.0));
    }
    Path png = dir.resolve("plots/curve.png");
    PLOT.write(png, Series.bySplit(curve));

    byte[] bytes = Files.readAllBytes(png);
    assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8));
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(640, image.getWidth());
    assertEquals(400, image.getHeight());
  }

  @Test
  void pngBytesDecodeToTheRenderedChart() throws IOException {
    byte[] png = PLOT.png(List.of(new Series("train", List.of(new Series.Point(0, 1)))));
    assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, 8));
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertEquals(640, image.getWidth());
  }

  @Test
  void singlePointIsDrawnAsADot() {
    BufferedImage image =
        PLOT.render(List.of(new Series("validation", List.of(new Series.Point(5, 3.2)))));
    // The legend swatch alone is a line; a dot adds a disc of the series colour in the plot area.
    assertTrue(countColour(image, FIRST_COLOUR) > 40, "no dot drawn");
  }

  @Test
  void nanPointsBreakTheLineWithoutFailing() {
    List<Series.Point> points =
        List.of(
            new Series.Point(0, 5),
            new Series.Point(1, Double.NaN),
            new Series.Point(2, 4),
            new Series.Point(3, 3.5),
            new Series.Point(Double.NaN, 3));
    BufferedImage image = PLOT.render(List.of(new Series("train", points)));
    assertEquals(640, image.getWidth());
    assertTrue(countColour(image, FIRST_COLOUR) > 0);
  }

  @Test
  void allNanSeriesStillRenders() {
    BufferedImage image =
        PLOT.render(List.of(new Series("train", List.of(new Series.Point(0, Double.NaN)))));
    assertEquals(400, image.getHeight());
  }

  @Test
  void noSeriesRendersEmptyAxes() {
    assertEquals(640, PLOT.render(List.of()).getWidth());
  }

  private static int countColour(BufferedImage image, int rgb) {
    int count = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) {
          count++;
        }
      }
    }
    return count;
  }
}
