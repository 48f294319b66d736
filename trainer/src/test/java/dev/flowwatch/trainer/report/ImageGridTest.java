package dev.flowwatch.trainer.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flowwatch.flowpp.data.ImageSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;

import javax.imageio.ImageIO;

class ImageGridTest {

    @TempDir Path dir;

    /** Five 2×3 gray images; image i is filled with 40·i + 10, except its top-left pixel is 255. */
    private static ImageSet fiveGrayImages() {
        byte[] pixels = new byte[5 * 6];
        for (int i = 0; i < 5; i++) {
            for (int p = 0; p < 6; p++) {
                pixels[i * 6 + p] = (byte) (p == 0 ? 255 : 40 * i + 10);
            }
        }
        return ImageSet.of(pixels, 1, 2, 3, null, "five");
    }

    @Test
    void gridSizeCountsTilesScaleAndSeparators() {
        BufferedImage grid = ImageGrid.render(fiveGrayImages(), 2, 2);
        // 2 tiles of 3·2 px across and 3 rows of 2·2 px, with 1 px before, between and after each.
        assertEquals(2 * 6 + 3, grid.getWidth());
        assertEquals(3 * 4 + 4, grid.getHeight());
    }

    @Test
    void fewerImagesThanColumnsGiveANarrowerGrid() {
        assertEquals(5 * 3 + 6, ImageGrid.render(fiveGrayImages(), 10, 1).getWidth());
    }

    @Test
    void grayGridWritesExactPixelValuesScaledAndSeparated() throws IOException {
        Path png = dir.resolve("nested/grid.png");
        ImageGrid.write(png, fiveGrayImages(), 2, 2);
        Raster raster = ImageIO.read(png.toFile()).getRaster();

        assertEquals(1, raster.getNumBands());
        assertEquals(ImageGrid.SEPARATOR, raster.getSample(0, 0, 0));
        // Image 0's top-left pixel covers the 2×2 block at (1, 1).
        assertEquals(255, raster.getSample(1, 1, 0));
        assertEquals(255, raster.getSample(2, 2, 0));
        assertEquals(10, raster.getSample(3, 1, 0));
        assertEquals(ImageGrid.SEPARATOR, raster.getSample(7, 1, 0));
        // Image 3 sits in row 1, column 1: x from 8, y from 6.
        assertEquals(130, raster.getSample(8 + 2, 6, 0));
        // The last row has image 4 and an empty cell.
        assertEquals(170, raster.getSample(3, 11, 0));
        assertEquals(ImageGrid.SEPARATOR, raster.getSample(10, 12, 0));
    }

    @Test
    void rgbGridKeepsTheChannels() throws IOException {
        byte[] pixels = {(byte) 200, 20, (byte) 150};
        ImageSet oneRgbPixel = ImageSet.of(pixels, 3, 1, 1, null, "rgb");
        Path png = dir.resolve("rgb.png");
        ImageGrid.write(png, oneRgbPixel, 4);

        BufferedImage read = ImageIO.read(png.toFile());
        assertEquals(3, read.getWidth());
        assertEquals(0xC81496, read.getRGB(1, 1) & 0xFFFFFF);
    }

    @Test
    void unsupportedChannelCountIsRejected() {
        ImageSet twoChannels = ImageSet.of(new byte[8], 2, 2, 2, null, "two");
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(twoChannels, 4, 1));
    }
}
