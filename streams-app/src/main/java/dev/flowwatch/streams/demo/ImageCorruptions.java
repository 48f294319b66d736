package dev.flowwatch.streams.demo;

import java.util.Arrays;
import java.util.Random;

/**
 * Ways to turn a normal image into an anomalous one. Images are unsigned bytes, row-major with
 * channels interleaved (HWC), as in a RAW_U8 event; every method returns a new array.
 */
final class ImageCorruptions {

    private static final int BLUR_RADIUS = 2;

    private ImageCorruptions() {}

    /** Photographic negative: dark becomes light. */
    static byte[] invert(byte[] pixels) {
        byte[] out = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = (byte) (255 - (pixels[i] & 0xFF));
        }
        return out;
    }

    /** A black square, half the image's side, at a random place. */
    static byte[] occlude(byte[] pixels, int width, int height, int channels, Random random) {
        byte[] out = pixels.clone();
        int side = Math.min(width, height) / 2;
        int top = random.nextInt(height - side + 1);
        int left = random.nextInt(width - side + 1);
        for (int y = top; y < top + side; y++) {
            int from = (y * width + left) * channels;
            Arrays.fill(out, from, from + side * channels, (byte) 0);
        }
        return out;
    }

    /** A box blur: the mean over a (2r+1)² window, clipped at the borders, per channel. */
    static byte[] blur(byte[] pixels, int width, int height, int channels) {
        byte[] out = new byte[pixels.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < channels; c++) {
                    int sum = 0;
                    int count = 0;
                    for (int yy = Math.max(0, y - BLUR_RADIUS);
                            yy <= Math.min(height - 1, y + BLUR_RADIUS);
                            yy++) {
                        for (int xx = Math.max(0, x - BLUR_RADIUS);
                                xx <= Math.min(width - 1, x + BLUR_RADIUS);
                                xx++) {
                            sum += pixels[(yy * width + xx) * channels + c] & 0xFF;
                            count++;
                        }
                    }
                    out[(y * width + x) * channels + c] = (byte) Math.round((float) sum / count);
                }
            }
        }
        return out;
    }

    /** Independent uniform pixels: nothing like any natural image. */
    static byte[] uniformNoise(int length, Random random) {
        byte[] out = new byte[length];
        random.nextBytes(out);
        return out;
    }
}
