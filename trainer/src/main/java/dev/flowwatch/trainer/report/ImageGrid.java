package dev.flowwatch.trainer.report;

import dev.flowwatch.flowpp.data.ImageSet;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Lays out the images of a set row by row in a grid, as a grayscale or RGB picture with 1-pixel
 * separators around every tile, so samples and data can be looked at. Each image pixel becomes a
 * {@code scale} × {@code scale} block, so that 28 × 28 digits are large enough to see.
 */
public final class ImageGrid {

  /** The gray of separators and of empty cells in the last row. */
  static final int SEPARATOR = 128;

  private ImageGrid() {}

  /** Writes the grid at its natural size, one screen pixel per image pixel. */
  public static void write(Path png, ImageSet images, int columns) throws IOException {
    write(png, images, columns, 1);
  }

  /** Writes the grid as a PNG file, each image pixel drawn {@code scale} pixels wide. */
  public static void write(Path png, ImageSet images, int columns, int scale) throws IOException {
    Png.write(render(images, columns, scale), png);
  }

  /** The grid as the bytes of a PNG file, each image pixel drawn {@code scale} pixels wide. */
  public static byte[] png(ImageSet images, int columns, int scale) {
    return Png.encode(render(images, columns, scale));
  }

  /** Columns that make {@code count} tiles as near to a square as possible: 8 for 64. */
  public static int squareColumns(int count) {
    return Math.max(1, (int) Math.ceil(Math.sqrt(count)));
  }

  /**
   * Draws the grid: {@code min(columns, size)} tiles across, as many rows as needed, a 1-pixel
   * separator before, between and after the tiles.
   *
   * @throws IllegalArgumentException if the set is empty, has neither 1 nor 3 channels, or columns
   *     or scale are not positive
   */
  public static BufferedImage render(ImageSet images, int columns, int scale) {
    if (images.size() == 0) {
      throw new IllegalArgumentException(
          "cannot draw a grid of no images: '" + images.description() + "'");
    }
    if (images.channels() != 1 && images.channels() != 3) {
      throw new IllegalArgumentException(
          "a grid needs 1 (gray) or 3 (RGB) channels, '%s' has %d"
              .formatted(images.description(), images.channels()));
    }
    if (columns < 1 || scale < 1) {
      throw new IllegalArgumentException(
          "columns and scale must be at least 1, got columns=%d scale=%d".formatted(columns, scale));
    }
    int across = Math.min(columns, images.size());
    int down = (images.size() + across - 1) / across;
    int tileWidth = images.width() * scale;
    int tileHeight = images.height() * scale;
    boolean gray = images.channels() == 1;
    BufferedImage grid =
        new BufferedImage(
            across * (tileWidth + 1) + 1,
            down * (tileHeight + 1) + 1,
            gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    // Samples are set on the raster, not drawn with Graphics2D: drawing into TYPE_BYTE_GRAY
    // converts through a linear gray colour space and would change the pixel values.
    WritableRaster raster = grid.getRaster();
    int[] background = new int[grid.getWidth() * grid.getHeight()];
    Arrays.fill(background, SEPARATOR);
    for (int band = 0; band < raster.getNumBands(); band++) {
      raster.setSamples(0, 0, grid.getWidth(), grid.getHeight(), band, background);
    }
    for (int i = 0; i < images.size(); i++) {
      int left = 1 + (i % across) * (tileWidth + 1);
      int top = 1 + (i / across) * (tileHeight + 1);
      for (int c = 0; c < images.channels(); c++) {
        for (int y = 0; y < tileHeight; y++) {
          for (int x = 0; x < tileWidth; x++) {
            raster.setSample(left + x, top + y, c, images.pixel(i, c, y / scale, x / scale));
          }
        }
      }
    }
    return grid;
  }
}
