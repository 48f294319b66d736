package dev.flowwatch.trainer.report;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Encodes report images as PNG, in memory or into a file. */
final class Png {

  private Png() {}

  static void write(BufferedImage image, Path file) throws IOException {
    ReportFiles.write(file, encode(image));
  }

  static byte[] encode(BufferedImage image) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", bytes)) {
        throw new IllegalStateException("this JDK has no PNG writer for image type " + image.getType());
      }
    } catch (IOException e) {
      // ImageIO declares IOException for its streams; a byte array stream never fails.
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
