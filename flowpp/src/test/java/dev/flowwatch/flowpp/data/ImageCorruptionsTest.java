package dev.flowwatch.flowpp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ImageCorruptionsTest {

    /** Two 2×2 RGB images whose bytes say where they are: 100·image + 10·channel + position. */
    private static ImageSet rgb() {
        byte[] pixels = new byte[2 * 3 * 4];
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 4; p++) {
                    pixels[n * 12 + c * 4 + p] = (byte) (100 * n + 10 * c + p);
                }
            }
        }
        return ImageSet.of(pixels, 3, 2, 2, null, "rgb");
    }

    @Test
    void hwcInterleavesTheChannelsOfOneImage() {
        assertArrayEquals(
                new byte[] {100, 110, 120, 101, 111, 121, 102, 112, 122, 103, 113, 123},
                ImageCorruptions.hwc(rgb(), 1));
    }

    @Test
    void invertedSetKeepsTheLayoutOfTheSet() {
        ImageSet inverted = ImageCorruptions.apply(ImageCorruptions.Kind.INVERTED, rgb(), 1);
        ImageSet source = rgb();
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 2; y++) {
                    for (int x = 0; x < 2; x++) {
                        assertEquals(255 - source.pixel(n, c, y, x), inverted.pixel(n, c, y, x));
                    }
                }
            }
        }
        assertEquals("inverted(rgb)", inverted.description());
    }

    @Test
    void constantImagesHaveOneLevelAndSeedsRepeat() {
        ImageSet constant = ImageCorruptions.apply(ImageCorruptions.Kind.CONSTANT, rgb(), 7);
        byte[] first = constant.pixels(0, 1);
        for (byte b : first) {
            assertEquals(first[0], b);
        }
        assertArrayEquals(
                constant.pixels(0, 2),
                ImageCorruptions.apply(ImageCorruptions.Kind.CONSTANT, rgb(), 7).pixels(0, 2));
    }

    @Test
    void occlusionBlacksOutASquareOfHalfTheSide() {
        byte[] white = new byte[8 * 8];
        java.util.Arrays.fill(white, (byte) 255);
        byte[] occluded = ImageCorruptions.occlude(white, 8, 8, 1, new java.util.Random(3));
        int black = 0;
        for (byte b : occluded) {
            black += b == 0 ? 1 : 0;
        }
        assertEquals(16, black);
    }
}
