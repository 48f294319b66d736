package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ImageOutlineTest {

    private static final int SIZE = 28;

    /** A rectangle of intensity {@code value} on black, rows and columns [from, to). */
    private static int[] rectangle(int top, int bottom, int left, int right, int value) {
        int[] p = new int[SIZE * SIZE];
        for (int y = top; y < bottom; y++) {
            for (int x = left; x < right; x++) {
                p[y * SIZE + x] = value;
            }
        }
        return p;
    }

    private static byte[] bytes(int[] values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** The pixel mean of two images, rounded, as the benchmark's mixed images are made. */
    private static byte[] mix(int[] a, int[] b) {
        int[] m = new int[a.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = (int) Math.round((a[i] + b[i]) / 2.0);
        }
        return bytes(m);
    }

    @Test
    void anObjectAsBrightAtItsOutlineAsInsideIsZero() {
        assertEquals(0, ImageOutline.of(bytes(rectangle(5, 21, 5, 17, 200)), 1, SIZE, SIZE));
    }

    /**
     * Two overlaid rectangles: where one covers, half brightness (the whole outline); where both
     * do, full. The same value as the numpy replica's.
     */
    @Test
    void twoOverlaidObjectsHaveAnOutlineAtHalfTheirBrightness() {
        byte[] mixed = mix(rectangle(5, 21, 5, 17, 200), rectangle(8, 24, 10, 22, 200));
        assertEquals(0.5, ImageOutline.of(mixed, 1, SIZE, SIZE), 1e-12);
    }

    @Test
    void dimmingTheWholeImageLeavesItAlone() {
        int[] a = rectangle(5, 21, 5, 17, 200);
        int[] b = rectangle(8, 24, 10, 22, 200);
        int[] half = new int[a.length];
        for (int i = 0; i < half.length; i++) {
            half[i] = (a[i] + b[i]) / 4;
        }
        assertEquals(
                ImageOutline.of(mix(a, b), 1, SIZE, SIZE),
                ImageOutline.of(bytes(half), 1, SIZE, SIZE),
                1e-12);
    }

    @Test
    void anImageWithNothingAboveTheThresholdHasNoOutlineToJudge() {
        assertEquals(0, ImageOutline.of(new byte[SIZE * SIZE], 1, SIZE, SIZE));
        // 12 of 255 is below the object's threshold of 5 % of full scale
        assertEquals(0, ImageOutline.of(bytes(rectangle(0, 28, 0, 28, 12)), 1, SIZE, SIZE));
    }

    @Test
    void anObjectWithoutAnInsideIsJudgedAgainstItself() {
        // a line one pixel wide, brighter at one end: every pixel is outline
        int[] line = new int[SIZE * SIZE];
        for (int x = 4; x < 24; x++) {
            line[14 * SIZE + x] = 100 + 5 * (x - 4);
        }
        // 90th and 75th percentiles of 100, 105, ..., 195: 185.5 and 171.25
        assertEquals(1 - 185.5 / 171.25, ImageOutline.of(bytes(line), 1, SIZE, SIZE), 1e-12);
    }

    @Test
    void channelsAreAveraged() {
        int[] one = rectangle(5, 21, 5, 17, 200);
        int[] other = rectangle(8, 24, 10, 22, 200);
        int[] rgb = new int[3 * SIZE * SIZE];
        System.arraycopy(one, 0, rgb, 0, one.length);
        System.arraycopy(other, 0, rgb, SIZE * SIZE, other.length);
        double mean = ImageOutline.of(bytes(rgb), 3, SIZE, SIZE);
        // channels 200, 200 / 3 or 200 / 3 where one rectangle covers, 400 / 3 where both do
        assertEquals(0.5, mean, 1e-12);
    }
}
