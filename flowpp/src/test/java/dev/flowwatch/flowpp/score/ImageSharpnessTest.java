package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

class ImageSharpnessTest {

    private static final int SIZE = 28;

    /** A vertical edge of height 200 at column 14, spread linearly over {@code width} pixels. */
    private static byte[] edge(int width) {
        byte[] p = new byte[SIZE * SIZE];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double t = Math.min(1, Math.max(0, (x - 14 + 1.0) / width));
                p[y * SIZE + x] = (byte) Math.round(200 * t);
            }
        }
        return p;
    }

    /** A step: one difference of h one pixel apart, two of h two apart, so E₁ / (E₁ + E₂) = ⅓. */
    @Test
    void aSharpEdgeIsAThird() {
        assertEquals(1.0 / 3, ImageSharpness.of(edge(1), 1, SIZE, SIZE), 1e-12);
    }

    @Test
    void blurringAnEdgeLowersItTowardAFifth() {
        double sharp = ImageSharpness.of(edge(1), 1, SIZE, SIZE);
        double soft = ImageSharpness.of(edge(5), 1, SIZE, SIZE);
        assertTrue(soft < sharp, soft + " vs " + sharp);
        // a fifth for a long ramp; its two ends add a little over five pixels
        assertEquals(0.2, soft, 0.02);
    }

    @Test
    void independentPixelNoiseIsAboutAHalf() {
        Random random = new Random(3);
        byte[] p = new byte[SIZE * SIZE];
        random.nextBytes(p);
        assertEquals(0.5, ImageSharpness.of(p, 1, SIZE, SIZE), 0.03);
    }

    @Test
    void anImageWithoutContrastIsZero() {
        byte[] p = new byte[SIZE * SIZE];
        Arrays.fill(p, (byte) 77);
        assertEquals(0, ImageSharpness.of(p, 1, SIZE, SIZE));
    }
}
