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

    /** Sum of the squared coordinates in orientation bin {@code bin} over every cell. */
    private static double energy(float[] d, int bin) {
        double e = 0;
        for (int i = bin; i < d.length; i += ShapeDescriptor.BINS) {
            e += d[i] * d[i];
        }
        return e;
    }

    @Test
    void aVerticalEdgeFallsInTheFirstBinAndAHorizontalOneInTheMiddle() {
        float[] vertical = ShapeDescriptor.of(image((y, x) -> x >= 14, 200), 1, 28, 28);
        assertEquals(1, energy(vertical, 0), 1e-6);
        float[] horizontal = ShapeDescriptor.of(image((y, x) -> y >= 14, 200), 1, 28, 28);
        // π/2 lies in bin ⌊4.5⌋ of nine over 0..π
        assertEquals(1, energy(horizontal, 4), 1e-6);
    }

    @Test
    void itHasNineBinsPerCellOfFourPixelsAndUnitLength() {
        float[] d =
                ShapeDescriptor.of(
                        image((y, x) -> (x - 14) * (x - 14) + (y - 14) * (y - 14) < 64, 255),
                        1,
                        28,
                        28);
        assertEquals(7 * 7 * 9, d.length);
        double norm = 0;
        for (float v : d) {
            assertTrue(v >= 0 && v <= 1);
            norm += v * v;
        }
        assertEquals(1, norm, 1e-6);
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
    void imagesSmallerThanACellAreOneCell() {
        assertEquals(9, ShapeDescriptor.of(new byte[3 * 3], 1, 3, 3).length);
    }
}
