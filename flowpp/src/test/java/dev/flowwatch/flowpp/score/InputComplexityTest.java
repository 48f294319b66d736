package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.score.InputComplexity.Compressor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

class InputComplexityTest {

    private static byte[] noise(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void constantImageHasTinyComplexity() {
        byte[] gray = new byte[28 * 28];
        Arrays.fill(gray, (byte) 128);
        for (Compressor c : Compressor.values()) {
            double bpd = InputComplexity.bitsPerDim(c, gray, 1, 28, 28);
            assertTrue(bpd < 1, c + ": " + bpd);
        }
        // deflate codes a run of one byte as a literal and a few back-references: under 20 bytes
        double deflate = InputComplexity.bitsPerDim(Compressor.DEFLATE, gray, 1, 28, 28);
        assertTrue(deflate < 0.2, "deflate " + deflate);
    }

    @Test
    void uniformNoiseCostsAboutEightBitsPerDimensionPlusOverhead() {
        byte[] pixels = noise(28 * 28, 3);
        double deflate = InputComplexity.bitsPerDim(Compressor.DEFLATE, pixels, 1, 28, 28);
        double png = InputComplexity.bitsPerDim(Compressor.PNG, pixels, 1, 28, 28);
        // incompressible: stored blocks add 5 bytes, PNG its chunks and one filter byte per row
        assertTrue(deflate >= 8 && deflate < 8.1, "deflate " + deflate);
        assertTrue(png > 8 && png < 9.5, "png " + png);
    }

    @Test
    void colourImagesAreMeasuredOverAllChannels() {
        byte[] rgb = noise(3 * 16 * 16, 4);
        double png = InputComplexity.bitsPerDim(Compressor.PNG, rgb, 3, 16, 16);
        assertTrue(png > 8 && png < 9.5, "png " + png);
    }

    /** Each thread reuses one PNG writer: an image's length must not depend on what came before. */
    @Test
    void aReusedWriterGivesTheLengthOfAFreshOne() throws InterruptedException {
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            byte[] image = noise(i % 3 == 0 ? 3 * 28 * 28 : 28 * 28, i);
            // from incompressible to constant
            for (int j = 0; j < image.length * (i % 4) / 4; j++) {
                image[j] = 0;
            }
            images.add(image);
        }
        double[] reused = new double[images.size()];
        for (int i = 0; i < reused.length; i++) {
            reused[i] = png(images.get(i));
        }
        double[] fresh = new double[images.size()];
        for (int i = 0; i < fresh.length; i++) {
            int index = i;
            // a new thread has a writer of its own that has written nothing yet
            Thread thread = new Thread(() -> fresh[index] = png(images.get(index)));
            thread.start();
            thread.join();
        }
        assertArrayEquals(fresh, reused);
    }

    private static double png(byte[] image) {
        return InputComplexity.bitsPerDim(
                Compressor.PNG, image, image.length == 28 * 28 ? 1 : 3, 28, 28);
    }

    @Test
    void pixelCountMustMatchTheShape() {
        assertThrows(
                IllegalArgumentException.class,
                () -> InputComplexity.bitsPerDim(Compressor.PNG, new byte[10], 1, 28, 28));
    }

    @Test
    void compressorNamesParseCaseInsensitively() {
        assertEquals(Compressor.PNG, Compressor.parse("PNG"));
        assertEquals(Compressor.DEFLATE, Compressor.parse(" deflate "));
        assertThrows(IllegalArgumentException.class, () -> Compressor.parse("zip"));
    }
}
