package dev.flowwatch.flowpp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import javax.imageio.ImageIO;

class PhotoCropsTest {

    @TempDir Path dir;

    /** An RGB "photograph": a red left half, a right half whose green rises from top to bottom. */
    private Path colourPhoto() throws IOException {
        BufferedImage image = new BufferedImage(96, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 96; x++) {
                image.setRGB(x, y, x < 48 ? 0xFF0000 : (y * 4) << 8);
            }
        }
        return write(image, "colour.png");
    }

    /** A grey checkerboard of 5-pixel squares. */
    private Path greyPhoto() throws IOException {
        BufferedImage image = new BufferedImage(50, 40, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 50; x++) {
                image.getRaster().setSample(x, y, 0, (x / 5 + y / 5) % 2 == 0 ? 30 : 220);
            }
        }
        return write(image, "grey.png");
    }

    private Path write(BufferedImage image, String name) throws IOException {
        Path file = dir.resolve(name);
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    @Test
    void cropsHaveTheModelsSideAndAreLabelledWithTheirPhotograph() throws IOException {
        ImageSet crops = PhotoCrops.read(List.of(colourPhoto(), greyPhoto()), 200, 28, 1);
        assertEquals(200, crops.size());
        assertEquals(1, crops.channels());
        assertEquals(28, crops.height());
        assertEquals(28, crops.width());
        int[] perPhoto = new int[2];
        for (int n = 0; n < crops.size(); n++) {
            perPhoto[crops.label(n)]++;
        }
        assertTrue(perPhoto[0] > 70 && perPhoto[1] > 70, Arrays.toString(perPhoto));
    }

    @Test
    void cropsShowTheirPhotographsStructure() throws IOException {
        ImageSet crops = PhotoCrops.read(List.of(greyPhoto()), 50, 28, 2);
        for (int n = 0; n < crops.size(); n++) {
            int min = 255;
            int max = 0;
            for (byte b : crops.pixels(n, n + 1)) {
                min = Math.min(min, b & 0xFF);
                max = Math.max(max, b & 0xFF);
            }
            // every crop spans at least 28 pixels, so holds light and dark squares
            assertTrue(max - min > 100, "crop " + n + " spans " + min + ".." + max);
            assertTrue(min >= 30 && max <= 220, "crop " + n + " leaves the photograph's levels");
        }
    }

    @Test
    void colourBecomesItsLuma() throws IOException {
        BufferedImage red = new BufferedImage(30, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 30; x++) {
                red.setRGB(x, y, 0xFF0000);
            }
        }
        ImageSet crops = PhotoCrops.read(List.of(write(red, "red.png")), 3, 28, 3);
        byte[] expected = new byte[3 * 28 * 28];
        Arrays.fill(expected, (byte) Math.round(0.299 * 255));
        assertArrayEquals(expected, crops.pixels(0, 3));
    }

    @Test
    void theSameSeedGivesTheSameCropsAndAnotherSeedOthers() throws IOException {
        List<Path> photos = List.of(colourPhoto(), greyPhoto());
        ImageSet first = PhotoCrops.read(photos, 20, 28, 5);
        assertArrayEquals(first.pixels(0, 20), PhotoCrops.read(photos, 20, 28, 5).pixels(0, 20));
        ImageSet other = PhotoCrops.read(photos, 20, 28, 6);
        assertFalse(Arrays.equals(first.pixels(0, 20), other.pixels(0, 20)));
    }

    @Test
    void aPhotographSmallerThanTheCropsIsRefusedByName() throws IOException {
        Path small = write(new BufferedImage(20, 40, BufferedImage.TYPE_BYTE_GRAY), "small.png");
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> PhotoCrops.read(List.of(greyPhoto(), small), 10, 28, 1));
        assertTrue(e.getMessage().contains("small.png is 20×40"), e.getMessage());
    }
}
