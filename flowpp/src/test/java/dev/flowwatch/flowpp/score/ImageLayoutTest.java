package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.util.Random;

class ImageLayoutTest {

    private static final int H = 6;
    private static final int W = 8;

    @Test
    void oneBrightPixelIsItsOwnCentroidWithNoSpread() {
        byte[] image = new byte[H * W];
        image[2 * W + 5] = (byte) 255;
        assertArrayEquals(
                new double[] {1.0 / (H * W), 5.5 / W, 2.5 / H, 0, 0, 0},
                ImageLayout.of(image, 1, H, W),
                1e-12);
    }

    @Test
    void aConstantImageAndABlackOneHaveTheMomentsOfTheUniformGrid() {
        // pixel centres (i + ½)/n: mean ½, variance (1 − 1/n²)/12
        double[] expected = {
            0, 0.5, 0.5, (1 - 1.0 / (W * W)) / 12, (1 - 1.0 / (H * H)) / 12, 0
        };
        assertArrayEquals(expected, ImageLayout.of(new byte[H * W], 1, H, W), 1e-12);
        byte[] grey = new byte[H * W];
        java.util.Arrays.fill(grey, (byte) 51);
        expected[0] = 0.2;
        assertArrayEquals(expected, ImageLayout.of(grey, 1, H, W), 1e-12);
    }

    @Test
    void aShiftMovesTheCentroidAndKeepsTheSpread() {
        byte[] image = new byte[H * W];
        byte[] shifted = new byte[H * W];
        Random random = new Random(3);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W - 2; x++) {
                image[y * W + x] = (byte) random.nextInt(256);
                shifted[y * W + x + 2] = image[y * W + x];
            }
        }
        double[] a = ImageLayout.of(image, 1, H, W);
        double[] b = ImageLayout.of(shifted, 1, H, W);
        assertEquals(a[0], b[0], 1e-12);
        assertEquals(a[1] + 2.0 / W, b[1], 1e-12);
        assertEquals(a[2], b[2], 1e-12);
        for (int k = 3; k < 6; k++) {
            assertEquals(a[k], b[k], 1e-12, ImageLayout.NAMES.get(k));
        }
    }

    @Test
    void transposingSwapsTheAxes() {
        int n = 7;
        byte[] image = new byte[n * n];
        new Random(11).nextBytes(image);
        byte[] transposed = new byte[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                transposed[x * n + y] = image[y * n + x];
            }
        }
        double[] a = ImageLayout.of(image, 1, n, n);
        double[] t = ImageLayout.of(transposed, 1, n, n);
        assertArrayEquals(new double[] {a[0], a[2], a[1], a[4], a[3], a[5]}, t, 1e-12);
    }

    @Test
    void colourChannelsAreAveraged() {
        int plane = H * W;
        byte[] grey = new byte[plane];
        new Random(2).nextBytes(grey);
        byte[] rgb = new byte[3 * plane];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(grey, 0, rgb, c * plane, plane);
        }
        assertArrayEquals(ImageLayout.of(grey, 1, H, W), ImageLayout.of(rgb, 3, H, W), 1e-12);
        // a pixel's weight is its channels' sum, whichever channel holds the intensity
        byte[] red = new byte[3 * plane];
        byte[] blue = new byte[3 * plane];
        System.arraycopy(grey, 0, red, 0, plane);
        System.arraycopy(grey, 0, blue, 2 * plane, plane);
        double[] r = ImageLayout.of(red, 3, H, W);
        assertArrayEquals(r, ImageLayout.of(blue, 3, H, W), 1e-12);
        double[] g = ImageLayout.of(grey, 1, H, W);
        assertEquals(g[0] / 3, r[0], 1e-12);
        assertArrayEquals(
                java.util.Arrays.copyOfRange(g, 1, 6), java.util.Arrays.copyOfRange(r, 1, 6), 1e-12);
    }

    @Test
    void aWrongPixelCountIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ImageLayout.of(new byte[5], 1, H, W));
    }
}
