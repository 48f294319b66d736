package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.BiPredicate;

class ShapeDescriptorTest {

    /** A 28×28 image: {@code bright} where the predicate holds, 0 elsewhere. */
    private static byte[] image(BiPredicate<Integer, Integer> yx, int bright) {
        byte[] p = new byte[28 * 28];
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                p[y * 28 + x] = (byte) (yx.test(y, x) ? bright : 0);
            }
        }
        return p;
    }

    /** Sum of the squared coordinates in direction bin {@code bin} over every cell and scale. */
    private static double energy(float[] d, int bin) {
        double e = 0;
        for (int i = bin; i < d.length; i += ShapeDescriptor.BINS) {
            e += d[i] * d[i];
        }
        return e;
    }

    /** Directions are signed: an edge and its inverse fall four and a half bins apart. */
    @Test
    void anEdgeAndItsInverseFallInOppositeBins() {
        // dark to light going right: direction 0, bin 0; light to dark: π, bin ⌊4.5⌋ of nine
        assertEquals(
                1, energy(ShapeDescriptor.of(image((y, x) -> x >= 14, 200), 1, 28, 28), 0), 1e-6);
        assertEquals(
                1, energy(ShapeDescriptor.of(image((y, x) -> x < 14, 200), 1, 28, 28), 4), 1e-6);
        // dark to light going down: π/2, bin ⌊2.25⌋; upside down: 3π/2, bin ⌊6.75⌋
        assertEquals(
                1, energy(ShapeDescriptor.of(image((y, x) -> y >= 14, 200), 1, 28, 28), 2), 1e-6);
        assertEquals(
                1, energy(ShapeDescriptor.of(image((y, x) -> y < 14, 200), 1, 28, 28), 6), 1e-6);
    }

    /** Cells of 4 and of 7 pixels, nine bins each, and each scale of length 1/√2. */
    @Test
    void itHasTwoScalesOfNineBinsPerCellEachOfHalfTheSquaredLength() {
        float[] d =
                ShapeDescriptor.of(
                        image((y, x) -> (x - 14) * (x - 14) + (y - 14) * (y - 14) < 64, 255),
                        1,
                        28,
                        28);
        int fine = 7 * 7 * 9;
        assertEquals(fine + 4 * 4 * 9, d.length);
        double fineNorm = 0;
        double coarseNorm = 0;
        for (int i = 0; i < d.length; i++) {
            assertTrue(d[i] >= 0 && d[i] <= 1);
            if (i < fine) {
                fineNorm += d[i] * d[i];
            } else {
                coarseNorm += d[i] * d[i];
            }
        }
        assertEquals(0.5, fineNorm, 1e-6);
        assertEquals(0.5, coarseNorm, 1e-6);
    }

    /** Contrast is for the flow's statistics to judge: halving it leaves the shape as it was. */
    @Test
    void scalingTheContrastLeavesTheDescriptorUnchanged() {
        Random random = new Random(5);
        byte[] full = new byte[28 * 28];
        byte[] half = new byte[full.length];
        for (int i = 0; i < full.length; i++) {
            int v = 2 * random.nextInt(128);
            full[i] = (byte) v;
            half[i] = (byte) (v / 2);
        }
        assertArrayEquals(
                ShapeDescriptor.of(full, 1, 28, 28), ShapeDescriptor.of(half, 1, 28, 28), 1e-6f);
    }

    @Test
    void aConstantImageHasNoEdgesAndTheZeroDescriptor() {
        float[] d = ShapeDescriptor.of(image((y, x) -> true, 90), 1, 28, 28);
        for (float v : d) {
            assertEquals(0, v);
        }
    }

    @Test
    void channelsAreAveraged() {
        byte[] plane = image((y, x) -> x + y > 20, 180);
        byte[] rgb = new byte[3 * plane.length];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(plane, 0, rgb, c * plane.length, plane.length);
        }
        assertArrayEquals(
                ShapeDescriptor.of(plane, 1, 28, 28), ShapeDescriptor.of(rgb, 3, 28, 28), 1e-6f);
    }

    @Test
    void imagesSmallerThanACellAreOneCellAtEachScale() {
        assertEquals(2 * 9, ShapeDescriptor.of(new byte[3 * 3], 1, 3, 3).length);
    }
}
