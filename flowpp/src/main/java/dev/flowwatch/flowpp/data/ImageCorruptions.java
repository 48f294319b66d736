package dev.flowwatch.flowpp.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Ways to turn normal images into anomalous ones, for demos and detection benchmarks. Single images
 * are unsigned bytes, row-major with channels interleaved (HWC, the order of a RAW_U8 event); every
 * method returns a new array.
 */
public final class ImageCorruptions {

    private static final int BLUR_RADIUS = 2;

    /** A kind of synthetic anomaly made from (or instead of) a normal image. */
    public enum Kind {
        /** Independent uniform pixels: nothing like any natural image. */
        NOISE,
        /** One grey level everywhere: the simplest possible image. */
        CONSTANT,
        /** Photographic negative. */
        INVERTED,
        /** A black square over half of each side. */
        OCCLUDED,
        /** A 5×5 box blur. */
        BLURRED;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private ImageCorruptions() {}

    /** Photographic negative: dark becomes light. */
    public static byte[] invert(byte[] pixels) {
        byte[] out = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = (byte) (255 - (pixels[i] & 0xFF));
        }
        return out;
    }

    /** A black square, half the image's side, at a random place. */
    public static byte[] occlude(
            byte[] pixels, int width, int height, int channels, Random random) {
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
    public static byte[] blur(byte[] pixels, int width, int height, int channels) {
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

    /** Independent uniform pixels. */
    public static byte[] uniformNoise(int length, Random random) {
        byte[] out = new byte[length];
        random.nextBytes(out);
        return out;
    }

    /** One random grey level in every pixel and channel. */
    public static byte[] constant(int length, Random random) {
        byte[] out = new byte[length];
        Arrays.fill(out, (byte) random.nextInt(256));
        return out;
    }

    /** Image {@code index} of a set (stored N, C, H, W) in HWC order. */
    public static byte[] hwc(ImageSet set, int index) {
        byte[] chw = set.pixels(index, index + 1);
        int c = set.channels();
        if (c == 1) {
            return chw;
        }
        int plane = set.height() * set.width();
        byte[] out = new byte[chw.length];
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < plane; p++) {
                out[p * c + ch] = chw[ch * plane + p];
            }
        }
        return out;
    }

    /** One corrupted copy of every image of the set (or a synthetic image per image), seeded. */
    public static ImageSet apply(Kind kind, ImageSet images, long seed) {
        Random random = new Random(seed);
        int c = images.channels();
        int h = images.height();
        int w = images.width();
        int plane = h * w;
        byte[] all = new byte[images.size() * images.dimensions()];
        for (int i = 0; i < images.size(); i++) {
            byte[] image =
                    switch (kind) {
                        case NOISE -> uniformNoise(images.dimensions(), random);
                        case CONSTANT -> constant(images.dimensions(), random);
                        case INVERTED -> invert(hwc(images, i));
                        case OCCLUDED -> occlude(hwc(images, i), w, h, c, random);
                        case BLURRED -> blur(hwc(images, i), w, h, c);
                    };
            // back to the set's N, C, H, W order
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < plane; p++) {
                    all[i * images.dimensions() + ch * plane + p] = image[p * c + ch];
                }
            }
        }
        return ImageSet.of(all, c, h, w, null, kind.id() + "(" + images.description() + ")");
    }
}
