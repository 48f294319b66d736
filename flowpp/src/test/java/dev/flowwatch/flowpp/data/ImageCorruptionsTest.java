package dev.flowwatch.flowpp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.data.ImageCorruptions.Kind;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

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
        ImageSet inverted = ImageCorruptions.apply(Kind.INVERTED, rgb(), 1);
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
        ImageSet constant = ImageCorruptions.apply(Kind.CONSTANT, rgb(), 7);
        byte[] first = constant.pixels(0, 1);
        for (byte b : first) {
            assertEquals(first[0], b);
        }
        assertArrayEquals(
                constant.pixels(0, 2),
                ImageCorruptions.apply(Kind.CONSTANT, rgb(), 7).pixels(0, 2));
    }

    @Test
    void occlusionBlacksOutASquareOfHalfTheSide() {
        byte[] white = new byte[8 * 8];
        Arrays.fill(white, (byte) 255);
        byte[] occluded = ImageCorruptions.occlude(white, 8, 8, 1, new Random(3));
        int black = 0;
        for (byte b : occluded) {
            black += b == 0 ? 1 : 0;
        }
        assertEquals(16, black);
    }

    /** Grey 28×28 images with a bright square whose place and size vary: simple, but not flat. */
    private static ImageSet squares(int count) {
        int side = 28;
        byte[] pixels = new byte[count * side * side];
        Random random = new Random(11);
        for (int n = 0; n < count; n++) {
            int size = 6 + random.nextInt(10);
            int top = random.nextInt(side - size);
            int left = random.nextInt(side - size);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    boolean inside = y >= top && y < top + size && x >= left && x < left + size;
                    pixels[(n * side + y) * side + x] = (byte) (inside ? 200 : 20 + x);
                }
            }
        }
        return ImageSet.of(pixels, 1, side, side, null, "squares");
    }

    private static ImageSet constantSet(int count, int side, int level) {
        byte[] pixels = new byte[count * side * side];
        Arrays.fill(pixels, (byte) level);
        return ImageSet.of(pixels, 1, side, side, null, "level " + level);
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void everyKindChangesTheImagesKeepsTheirShapeAndRepeatsWithItsSeed(Kind kind) {
        ImageSet source = squares(6);
        ImageSet corrupted = ImageCorruptions.apply(kind, source, 5);
        assertEquals(source.size(), corrupted.size());
        assertEquals(source.dimensions(), corrupted.dimensions());
        assertEquals(kind.id() + "(squares)", corrupted.description());
        for (int i = 0; i < source.size(); i++) {
            assertFalse(
                    Arrays.equals(source.pixels(i, i + 1), corrupted.pixels(i, i + 1)),
                    kind + " left image " + i + " as it was");
        }
        assertArrayEquals(
                corrupted.pixels(0, corrupted.size()),
                ImageCorruptions.apply(kind, source, 5).pixels(0, corrupted.size()));
    }

    @Test
    void rotationTurnsTheLeftColumnIntoTheTopRow() {
        // 1 2 3      7 4 1
        // 4 5 6  ->  8 5 2
        // 7 8 9      9 6 3
        assertArrayEquals(
                bytes(7, 4, 1, 8, 5, 2, 9, 6, 3),
                ImageCorruptions.rotateClockwise(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9), 3, 1));
    }

    @Test
    void rotationMovesThePixelsOfAllChannelsTogether() {
        // 2×2 RGB: pixel p has channels (10p, 10p+1, 10p+2); clockwise, p 2 goes to the top left
        byte[] rgb = bytes(0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32);
        assertArrayEquals(
                bytes(20, 21, 22, 0, 1, 2, 30, 31, 32, 10, 11, 12),
                ImageCorruptions.rotateClockwise(rgb, 2, 3));
    }

    @Test
    void rotationRefusesImagesThatAreNotSquare() {
        ImageSet wide = ImageSet.of(new byte[2 * 3], 1, 2, 3, null, "wide");
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ImageCorruptions.apply(Kind.ROTATED, wide, 1));
        assertTrue(e.getMessage().contains("square"), e.getMessage());
    }

    @Test
    void flippingReversesTheRows() {
        assertArrayEquals(
                bytes(7, 8, 9, 4, 5, 6, 1, 2, 3),
                ImageCorruptions.flipVertically(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9), 3, 3, 1));
    }

    @Test
    void shiftMovesAPixelAndFillsWithBlack() {
        byte[] image = new byte[5 * 5];
        image[1 * 5 + 1] = 9;
        Arrays.fill(image, 4 * 5, 5 * 5, (byte) 7); // bottom row, pushed out by the shift down
        byte[] shifted = ImageCorruptions.shift(image, 5, 5, 1, 2, 1);
        byte[] expected = new byte[5 * 5];
        expected[2 * 5 + 3] = 9;
        assertArrayEquals(expected, shifted);
        // up and left by as much undoes it, but for what fell off the edge
        assertEquals(9, ImageCorruptions.shift(shifted, 5, 5, 1, -2, -1)[1 * 5 + 1]);
    }

    @Test
    void shiftedSetMovesEveryImageSixPixelsAlongOneAxisAt28x28() {
        byte[] pixels = new byte[40 * 28 * 28];
        for (int n = 0; n < 40; n++) {
            pixels[(n * 28 + 14) * 28 + 14] = (byte) 255;
        }
        ImageSet dots = ImageSet.of(pixels, 1, 28, 28, null, "dots");
        ImageSet shifted = ImageCorruptions.apply(Kind.SHIFTED, dots, 3);
        Set<String> directions = new HashSet<>();
        for (int n = 0; n < 40; n++) {
            byte[] image = shifted.pixels(n, n + 1);
            int at = -1;
            for (int p = 0; p < image.length; p++) {
                if (image[p] != 0) {
                    assertEquals(-1, at, "one bright pixel");
                    at = p;
                }
            }
            int dy = at / 28 - 14;
            int dx = at % 28 - 14;
            assertEquals(6, Math.abs(dx) + Math.abs(dy), "moved by " + dx + ", " + dy);
            assertTrue(dx == 0 || dy == 0, "moved by " + dx + ", " + dy);
            directions.add(dx + "," + dy);
        }
        assertEquals(4, directions.size(), "all four directions occur: " + directions);
    }

    @ParameterizedTest
    @CsvSource({"GAUSSIAN_8, 8", "GAUSSIAN_24, 24"})
    void gaussianNoiseHasTheStatedStandardDeviation(Kind kind, double sigma) {
        ImageSet grey = constantSet(20, 28, 128);
        ImageSet noisy = ImageCorruptions.apply(kind, grey, 2);
        byte[] pixels = noisy.pixels(0, noisy.size());
        double mean = ImageCorruptions.mean(pixels);
        double sd = standardDeviation(pixels, mean);
        assertEquals(128, mean, 0.05 * sigma);
        assertEquals(sigma, sd, 0.03 * sigma);
    }

    @Test
    void strongGaussianNoiseIsClippedToTheByteRange() {
        ImageSet noisy = ImageCorruptions.apply(Kind.GAUSSIAN_64, constantSet(20, 28, 128), 2);
        byte[] pixels = noisy.pixels(0, noisy.size());
        double sd = standardDeviation(pixels, ImageCorruptions.mean(pixels));
        // a normal clipped at ±2σ keeps 96 % of its standard deviation:
        // E[clip(z)²] = P(|z| < 2) − 4φ(2) + 8·P(z > 2) = 0.9545 − 0.2160 + 0.1820 = 0.9205
        assertEquals(0.96 * 64, sd, 1.5);
        long black = 0;
        long white = 0;
        for (byte b : pixels) {
            black += b == 0 ? 1 : 0;
            white += b == (byte) 255 ? 1 : 0;
        }
        // P(z < −2) = 2.3 %
        assertEquals(0.023, (double) black / pixels.length, 0.005);
        assertEquals(0.023, (double) white / pixels.length, 0.005);
    }

    private static double standardDeviation(byte[] pixels, double mean) {
        double squares = 0;
        for (byte b : pixels) {
            squares += Math.pow((b & 0xFF) - mean, 2);
        }
        return Math.sqrt(squares / pixels.length);
    }

    @Test
    void lowContrastPullsEveryValueHalfwayToMidGrey() {
        ImageSet levels = ImageSet.of(bytes(0, 128, 255, 100), 1, 2, 2, null, "levels");
        assertArrayEquals(
                bytes(64, 128, 192, 114),
                ImageCorruptions.apply(Kind.LOW_CONTRAST, levels, 1).pixels(0, 1));
    }

    @Test
    void highContrastDoublesTheDistanceToTheMeanAndClips() {
        // mean 100: 90 -> 80, 110 -> 120, 20 -> -60 -> 0, 180 -> 260 -> 255
        ImageSet levels = ImageSet.of(bytes(90, 110, 20, 180), 1, 2, 2, null, "levels");
        assertArrayEquals(
                bytes(80, 120, 0, 255),
                ImageCorruptions.apply(Kind.HIGH_CONTRAST, levels, 1).pixels(0, 1));
    }

    @Test
    void mixedIsThePixelMeanWithAnotherImageOfTheSet() {
        int[] levels = {0, 100, 200};
        byte[] pixels = new byte[3 * 4];
        for (int n = 0; n < 3; n++) {
            Arrays.fill(pixels, n * 4, n * 4 + 4, (byte) levels[n]);
        }
        ImageSet set = ImageSet.of(pixels, 1, 2, 2, null, "levels");
        ImageSet mixed = ImageCorruptions.apply(Kind.MIXED, set, 4);
        for (int n = 0; n < 3; n++) {
            int value = mixed.pixel(n, 0, 0, 0);
            for (int p = 0; p < 4; p++) {
                assertEquals(value, mixed.pixel(n, 0, p / 2, p % 2));
            }
            // the mean of levels[n] and another level: never the image with itself
            int own = levels[n];
            assertTrue(
                    Arrays.stream(levels)
                            .filter(other -> other != own)
                            .anyMatch(other -> (own + other) / 2 == value),
                    "image " + n + " became " + value);
        }
        assertArrayEquals(bytes(51, 51), ImageCorruptions.mix(bytes(0, 1), bytes(101, 100)));
    }

    @Test
    void pixelationReplacesEachBlockByItsMean() {
        byte[] image = new byte[8 * 8];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) (i * 3);
        }
        byte[] pixelated = ImageCorruptions.pixelate(image, 8, 8, 1, 4);
        for (int by = 0; by < 2; by++) {
            for (int bx = 0; bx < 2; bx++) {
                int sum = 0;
                for (int y = 4 * by; y < 4 * by + 4; y++) {
                    for (int x = 4 * bx; x < 4 * bx + 4; x++) {
                        sum += image[y * 8 + x] & 0xFF;
                    }
                }
                for (int y = 4 * by; y < 4 * by + 4; y++) {
                    for (int x = 4 * bx; x < 4 * bx + 4; x++) {
                        assertEquals(Math.round(sum / 16f), pixelated[y * 8 + x] & 0xFF);
                    }
                }
            }
        }
    }

    @Test
    void saltAndPepperTurnsFivePercentOfThePixelsBlackOrWhite() {
        ImageSet grey = constantSet(10, 28, 128);
        ImageSet salted = ImageCorruptions.apply(Kind.SALT_AND_PEPPER, grey, 6);
        long black = 0;
        long white = 0;
        for (int n = 0; n < 10; n++) {
            int changed = 0;
            for (byte b : salted.pixels(n, n + 1)) {
                if (b != (byte) 128) {
                    changed++;
                    assertTrue(b == 0 || b == (byte) 255, "changed to " + (b & 0xFF));
                    black += b == 0 ? 1 : 0;
                    white += b == 0 ? 0 : 1;
                }
            }
            assertEquals(Math.round(0.05 * 28 * 28), changed);
        }
        assertNotEquals(0, black);
        assertNotEquals(0, white);
    }
}
