package dev.flowwatch.flowpp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

class PixelMutationTest {

    private static final int IMAGES = 100;

    /** Mid-grey everywhere, so that every replaced value but 1 in 256 is visible. */
    private static ImageSet grey() {
        byte[] pixels = new byte[IMAGES * 3 * 16 * 16];
        Arrays.fill(pixels, (byte) 128);
        return ImageSet.of(pixels, 3, 16, 16, new int[IMAGES], "grey");
    }

    @Test
    void replacesTheGivenShareOfValuesWithUniformLevels() {
        ImageSet mutated = PixelMutation.apply(grey(), 0.2, 7);
        byte[] pixels = mutated.pixels(0, IMAGES);
        int changed = 0;
        int[] histogram = new int[256];
        for (byte p : pixels) {
            if (p != (byte) 128) {
                changed++;
                histogram[p & 0xFF]++;
            }
        }
        double expected = 0.2 * 255 / 256 * pixels.length;
        // binomial with n = 76 800: 5 standard deviations are about 550 values
        assertEquals(expected, changed, 550);
        // uniform over the 255 other levels: about 60 each, none far off
        for (int level = 0; level < 256; level++) {
            if (level != 128) {
                assertEquals(60, histogram[level], 40, "level " + level);
            }
        }
        assertFalse(mutated.hasLabels(), "a mutated image is no longer of its class");
        assertEquals(grey().channels(), mutated.channels());
    }

    @Test
    void sameSeedSameMutationOtherSeedAnother() {
        byte[] a = PixelMutation.apply(grey(), 0.2, 7).pixels(0, IMAGES);
        assertArrayEquals(a, PixelMutation.apply(grey(), 0.2, 7).pixels(0, IMAGES));
        assertFalse(Arrays.equals(a, PixelMutation.apply(grey(), 0.2, 8).pixels(0, IMAGES)));
    }

    @Test
    void rateZeroKeepsTheImagesAndRatesOutsideZeroToOneFail() {
        assertArrayEquals(
                grey().pixels(0, IMAGES), PixelMutation.apply(grey(), 0, 7).pixels(0, IMAGES));
        assertThrows(IllegalArgumentException.class, () -> PixelMutation.apply(grey(), 1.5, 7));
        assertThrows(IllegalArgumentException.class, () -> PixelMutation.apply(grey(), -0.1, 7));
    }
}
