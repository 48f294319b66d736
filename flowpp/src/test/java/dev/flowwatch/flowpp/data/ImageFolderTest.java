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
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

class ImageFolderTest {

    @TempDir Path dir;

    @Test
    void grayscalePngsGiveOneChannelWithExactValues() throws IOException {
        writeGray(dir.resolve("b.png"), 3, 2, 200);
        writeGray(dir.resolve("a.png"), 3, 2, 17);

        ImageSet set = ImageFolder.read(dir);
        assertEquals(2, set.size());
        assertEquals(1, set.channels());
        assertEquals(2, set.height());
        assertEquals(3, set.width());
        // Sorted by path: a.png first. Value 128 at the marked pixel proves no gamma conversion.
        assertEquals(17, set.pixel(0, 0, 0, 0));
        assertEquals(128, set.pixel(0, 0, 1, 2));
        assertEquals(200, set.pixel(1, 0, 0, 0));
        assertFalse(set.hasLabels());
    }

    @Test
    void rgbPngKeepsItsChannelsAndDropsOpaqueAlphaButRefusesTransparency() throws IOException {
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 2; x++) {
                image.setRGB(x, y, 0xFF_00_00_00);
            }
        }
        image.setRGB(1, 0, 0xFF_10_20_30);
        ImageIO.write(image, "png", dir.resolve("colour.PNG").toFile());

        ImageSet set = ImageFolder.read(dir);
        assertEquals(3, set.channels());
        assertEquals(0x10, set.pixel(0, 0, 0, 1));
        assertEquals(0x20, set.pixel(0, 1, 0, 1));
        assertEquals(0x30, set.pixel(0, 2, 0, 1));

        image.setRGB(1, 1, 0x80_10_20_30);
        ImageIO.write(image, "png", dir.resolve("colour.PNG").toFile());
        IOException e = assertThrows(IOException.class, () -> ImageFolder.read(dir));
        assertTrue(
                e.getMessage().contains("colour.PNG: The PNG image has transparent"),
                e.getMessage());
    }

    /**
     * The JDK reads a one-bit grey PNG as a palette of sRGB colours: taken for colour, it made the
     * whole set RGB, and the scorer then refused the same grey images.
     */
    @Test
    void greyPngsOfFewBitsKeepTheSetGrey() throws IOException {
        writeGray(dir.resolve("a.png"), 2, 1, 17);
        BufferedImage bits = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY);
        bits.getRaster().setPixels(0, 0, 2, 1, new int[] {1, 0});
        ImageIO.write(bits, "png", dir.resolve("b.png").toFile());

        ImageSet set = ImageFolder.read(dir);
        assertEquals(1, set.channels());
        assertEquals(255, set.pixel(1, 0, 0, 0));
        assertEquals(0, set.pixel(1, 0, 0, 1));
    }

    @Test
    void mixedGrayAndRgbGiveThreeChannelsWithGrayRepeated() throws IOException {
        writeGray(dir.resolve("1-gray.png"), 2, 2, 90);
        writeRgb(dir.resolve("2-rgb.png"), 2, 2, 0x0A141E);

        ImageSet set = ImageFolder.read(dir);
        assertEquals(3, set.channels());
        for (int c = 0; c < 3; c++) {
            assertEquals(90, set.pixel(0, c, 0, 0));
        }
        assertEquals(0x0A, set.pixel(1, 0, 0, 0));
        assertEquals(0x14, set.pixel(1, 1, 0, 0));
        assertEquals(0x1E, set.pixel(1, 2, 0, 0));
    }

    @Test
    void subfoldersBecomeLabelsInSortedOrder() throws IOException {
        Files.createDirectories(dir.resolve("shirt"));
        Files.createDirectories(dir.resolve("boot/nested"));
        writeGray(dir.resolve("shirt/x.png"), 2, 2, 1);
        writeGray(dir.resolve("boot/y.png"), 2, 2, 2);
        writeGray(dir.resolve("boot/nested/z.jpeg"), 2, 2, 3);
        Files.writeString(dir.resolve("shirt/notes.txt"), "not an image");

        ImageSet set = ImageFolder.read(dir);
        assertEquals(3, set.size());
        // Paths sorted: boot/nested/z.jpeg, boot/y.png, shirt/x.png; boot = 0, shirt = 1.
        assertArrayEquals(new int[] {0, 0, 1}, ImageSetTest.labelsOf(set));
    }

    @Test
    void aLimitDecodesOnlyTheFirstImagesButNumbersEveryClass() throws IOException {
        Files.createDirectories(dir.resolve("boot"));
        Files.createDirectories(dir.resolve("shirt"));
        writeGray(dir.resolve("boot/a.png"), 2, 2, 1);
        writeGray(dir.resolve("shirt/b.png"), 2, 2, 2);
        Files.writeString(dir.resolve("shirt/c.jpg"), "never decoded");

        ImageSet set = ImageFolder.read(dir, 2);
        assertEquals(2, set.size());
        assertArrayEquals(new int[] {0, 1}, ImageSetTest.labelsOf(set));
        assertEquals(dir + "[0:2]", set.description());
        assertThrows(IOException.class, () -> ImageFolder.read(dir, 3));
    }

    @Test
    void imagesBothAtTopAndInSubfoldersAreRejected() throws IOException {
        Files.createDirectories(dir.resolve("cls"));
        writeGray(dir.resolve("cls/a.png"), 2, 2, 1);
        writeGray(dir.resolve("loose.png"), 2, 2, 1);

        IOException e = assertThrows(IOException.class, () -> ImageFolder.read(dir));
        assertTrue(e.getMessage().contains("loose.png"), e.getMessage());
    }

    @Test
    void sizeMismatchNamesTheOffendingFileAndBothSizes() throws IOException {
        writeGray(dir.resolve("a.png"), 28, 28, 0);
        writeGray(dir.resolve("b.png"), 28, 28, 0);
        writeGray(dir.resolve("c.png"), 32, 30, 0);

        IOException e = assertThrows(IOException.class, () -> ImageFolder.read(dir));
        String message = e.getMessage();
        assertTrue(message.startsWith(dir.resolve("c.png").toString()), message);
        assertTrue(message.contains("32×30"), message);
        assertTrue(message.contains("28×28"), message);
    }

    @Test
    void emptyFolderErrorNamesTheFolder() throws IOException {
        Files.writeString(dir.resolve("readme.txt"), "no images here");
        IOException e = assertThrows(IOException.class, () -> ImageFolder.read(dir));
        assertTrue(e.getMessage().startsWith(dir.toString()), e.getMessage());
    }

    @Test
    void undecodableImageErrorNamesTheFile() throws IOException {
        Path broken = dir.resolve("broken.jpg");
        Files.writeString(broken, "this is not a JPEG");
        IOException e = assertThrows(IOException.class, () -> ImageFolder.read(dir));
        assertTrue(e.getMessage().startsWith(broken.toString()), e.getMessage());
    }

    /** A uniform gray image with 128 at its bottom-right pixel. */
    private static void writeGray(Path file, int width, int height, int value) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, value);
            }
        }
        image.getRaster().setSample(width - 1, height - 1, 0, 128);
        String name = file.getFileName().toString();
        ImageIO.write(image, name.endsWith(".png") ? "png" : "jpeg", file.toFile());
    }

    private static void writeRgb(Path file, int width, int height, int rgb) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(image, "png", file.toFile());
    }
}
