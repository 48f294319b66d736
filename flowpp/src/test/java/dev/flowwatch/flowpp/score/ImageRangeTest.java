package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ImageRangeTest {

    private static double[] grey(int... pixels) {
        byte[] b = new byte[pixels.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) pixels[i];
        }
        return ImageRange.of(b, 1, 1, pixels.length);
    }

    @Test
    void saturationIsTheRootOfTheLitPixelsShareAtFullIntensity() {
        // two lit pixels of eight at 255, the dark ones do not count: √(2/8)
        double[] r = grey(0, 0, 255, 255, 100, 100, 100, 100, 100, 100);
        assertEquals(0.5, r[0], 1e-12);
        // 254 is not full
        assertEquals(0, grey(254, 254, 10)[0]);
        assertEquals(0, grey(0, 0, 0)[0], "no lit pixel");
    }

    @Test
    void theNinetyNinthPercentileInterpolatesAsNumpysDefault() {
        int[] ramp = new int[101];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = 100 - i;
        }
        // sorted 0..100: rank 0.99·100 = 99 exactly
        assertEquals(99 / 255.0, grey(ramp)[1], 1e-12);
        // 0, 0, 255: rank 1.98, 0.98 of the way from 0 to 255
        assertEquals(0.98, grey(0, 0, 255)[1], 1e-12);
    }

    @Test
    void aContrastStretchSaturatesAndAReductionLowersTheTop() {
        int[] garment = new int[28 * 28];
        for (int i = 0; i < garment.length; i++) {
            garment[i] = i % 28 < 6 ? 0 : 60 + (i * 7) % 196;
        }
        int[] stretched = new int[garment.length];
        int[] faded = new int[garment.length];
        for (int i = 0; i < garment.length; i++) {
            stretched[i] = Math.min(255, garment[i] * 2);
            faded[i] = garment[i] * 3 / 4;
        }
        double[] normal = grey(garment);
        assertTrue(grey(stretched)[0] > 2 * normal[0], "saturation");
        assertTrue(grey(faded)[1] < 0.8 * normal[1], "99th percentile");
        assertArrayEquals(normal, grey(garment), "a function of the pixels");
    }
}
