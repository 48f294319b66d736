package dev.flowwatch.trainer.report;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes report images as PNG files, creating the folder they go in. */
final class Png {

  private Png() {}

  static void write(BufferedImage image, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException(file + ": this JDK has no PNG writer for image type " + image.getType());
    }
  }
}
