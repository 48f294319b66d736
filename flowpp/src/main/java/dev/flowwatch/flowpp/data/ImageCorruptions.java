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
    /** Shift distance as a share of the shorter side: 6 px at 28×28. */
    private static final double SHIFT_SHARE = 0.2;
    private static final int PIXEL_BLOCK = 4;
    private static final double SALT_AND_PEPPER_SHARE = 0.05;
    private static final int MID_GREY = 128;

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
        BLURRED,
        /** Rotated by 90° clockwise (square images only). */
        ROTATED,
        /** Flipped upside down (rows reversed). */
        FLIPPED,
        /** Translated by a fifth of the side (6 px at 28×28) left, right, up or down; zero fill. */
        SHIFTED,
        /** Additive Gaussian noise, σ = 8 grey levels, clipped to 0..255. */
        GAUSSIAN_8,
        /** Additive Gaussian noise, σ = 24 grey levels, clipped to 0..255. */
        GAUSSIAN_24,
        /** Additive Gaussian noise, σ = 64 grey levels, clipped to 0..255. */
        GAUSSIAN_64,
        /** Every value pulled halfway to mid-grey: v ↦ 128 + (v − 128) / 2. */
        LOW_CONTRAST,
        /** Stretched ×2 around the image's mean value, clipped to 0..255. */
        HIGH_CONTRAST,
        /** The pixel mean of the image and another, randomly drawn image of the same set. */
        MIXED,
        /** Each 4×4 block replaced by its mean. */
        PIXELATED,
        /** 5 % of the pixels, at random, set to black or white (even odds). */
        SALT_AND_PEPPER;

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

    /** A square image rotated by 90° clockwise: the left column becomes the top row. */
    public static byte[] rotateClockwise(byte[] pixels, int side, int channels) {
        byte[] out = new byte[pixels.length];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                // out(y, x) = in(side − 1 − x, y)
                System.arraycopy(
                        pixels,
                        ((side - 1 - x) * side + y) * channels,
                        out,
                        (y * side + x) * channels,
                        channels);
            }
        }
        return out;
    }

    /** Upside down: the rows in reverse order. */
    public static byte[] flipVertically(byte[] pixels, int width, int height, int channels) {
        byte[] out = new byte[pixels.length];
        int row = width * channels;
        for (int y = 0; y < height; y++) {
            System.arraycopy(pixels, (height - 1 - y) * row, out, y * row, row);
        }
        return out;
    }

    /** Moved {@code dx} columns right and {@code dy} rows down (negative: left, up); zero fill. */
    public static byte[] shift(byte[] pixels, int width, int height, int channels, int dx, int dy) {
        byte[] out = new byte[pixels.length];
        int from = Math.max(0, dx);
        int to = Math.min(width, width + dx);
        for (int y = Math.max(0, dy); y < Math.min(height, height + dy) && from < to; y++) {
            System.arraycopy(
                    pixels,
                    ((y - dy) * width + from - dx) * channels,
                    out,
                    (y * width + from) * channels,
                    (to - from) * channels);
        }
        return out;
    }

    /** Independent Gaussian noise of standard deviation {@code sigma} added to every value. */
    public static byte[] gaussianNoise(byte[] pixels, double sigma, Random random) {
        byte[] out = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = clip((pixels[i] & 0xFF) + sigma * random.nextGaussian());
        }
        return out;
    }

    /** Every value moved to {@code centre + factor · (v − centre)}, rounded and clipped. */
    public static byte[] contrast(byte[] pixels, double factor, double centre) {
        byte[] out = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = clip(centre + factor * ((pixels[i] & 0xFF) - centre));
        }
        return out;
    }

    /** The mean of all values of an image. */
    public static double mean(byte[] pixels) {
        long sum = 0;
        for (byte b : pixels) {
            sum += b & 0xFF;
        }
        return (double) sum / pixels.length;
    }

    /** The pixel mean of two images of one shape, rounded half up. */
    public static byte[] mix(byte[] first, byte[] second) {
        if (first.length != second.length) {
            throw new IllegalArgumentException(
                    "cannot mix images of %d and %d values".formatted(first.length, second.length));
        }
        byte[] out = new byte[first.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (((first[i] & 0xFF) + (second[i] & 0xFF) + 1) >> 1);
        }
        return out;
    }

    /**
     * Each {@code block}×{@code block} tile (smaller at the right and bottom edges when the side is
     * no multiple) replaced by its mean, per channel.
     */
    public static byte[] pixelate(byte[] pixels, int width, int height, int channels, int block) {
        byte[] out = new byte[pixels.length];
        for (int top = 0; top < height; top += block) {
            for (int left = 0; left < width; left += block) {
                int bottom = Math.min(height, top + block);
                int right = Math.min(width, left + block);
                for (int c = 0; c < channels; c++) {
                    int sum = 0;
                    for (int y = top; y < bottom; y++) {
                        for (int x = left; x < right; x++) {
                            sum += pixels[(y * width + x) * channels + c] & 0xFF;
                        }
                    }
                    byte mean = (byte) Math.round((float) sum / ((bottom - top) * (right - left)));
                    for (int y = top; y < bottom; y++) {
                        for (int x = left; x < right; x++) {
                            out[(y * width + x) * channels + c] = mean;
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * {@code round(share × width × height)} distinct pixels, drawn at random, set to black or white
     * (even odds) in every channel.
     */
    public static byte[] saltAndPepper(
            byte[] pixels, int width, int height, int channels, double share, Random random) {
        byte[] out = pixels.clone();
        int[] positions = new int[width * height];
        Arrays.setAll(positions, p -> p);
        int count = (int) Math.round(share * positions.length);
        // the first `count` steps of a Fisher–Yates shuffle: a uniform sample without repeats
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(positions.length - i);
            int p = positions[j];
            positions[j] = positions[i];
            positions[i] = p;
            byte level = (byte) (random.nextBoolean() ? 255 : 0);
            Arrays.fill(out, p * channels, (p + 1) * channels, level);
        }
        return out;
    }

    private static byte clip(double value) {
        return (byte) Math.max(0, Math.min(255, Math.round(value)));
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

    /**
     * One corrupted copy of every image of the set (or a synthetic image per image), seeded.
     *
     * @throws IllegalArgumentException for {@link Kind#ROTATED} of images that are not square, and
     *     for {@link Kind#MIXED} of a set with fewer than two images
     */
    public static ImageSet apply(Kind kind, ImageSet images, long seed) {
        Random random = new Random(seed);
        int c = images.channels();
        int h = images.height();
        int w = images.width();
        int plane = h * w;
        if (kind == Kind.ROTATED && h != w) {
            throw new IllegalArgumentException(
                    "%s: rotating by 90° needs square images, got %d×%d"
                            .formatted(images.description(), h, w));
        }
        if (kind == Kind.MIXED && images.size() < 2) {
            throw new IllegalArgumentException(
                    "%s: mixing needs at least two images, got %d"
                            .formatted(images.description(), images.size()));
        }
        int shift = Math.max(1, (int) Math.round(SHIFT_SHARE * Math.min(w, h)));
        byte[] all = new byte[images.size() * images.dimensions()];
        for (int i = 0; i < images.size(); i++) {
            byte[] image =
                    switch (kind) {
                        case NOISE -> uniformNoise(images.dimensions(), random);
                        case CONSTANT -> constant(images.dimensions(), random);
                        case INVERTED -> invert(hwc(images, i));
                        case OCCLUDED -> occlude(hwc(images, i), w, h, c, random);
                        case BLURRED -> blur(hwc(images, i), w, h, c);
                        case ROTATED -> rotateClockwise(hwc(images, i), w, c);
                        case FLIPPED -> flipVertically(hwc(images, i), w, h, c);
                        case SHIFTED -> shiftAlongAnAxis(hwc(images, i), w, h, c, shift, random);
                        case GAUSSIAN_8 -> gaussianNoise(hwc(images, i), 8, random);
                        case GAUSSIAN_24 -> gaussianNoise(hwc(images, i), 24, random);
                        case GAUSSIAN_64 -> gaussianNoise(hwc(images, i), 64, random);
                        case LOW_CONTRAST -> contrast(hwc(images, i), 0.5, MID_GREY);
                        case HIGH_CONTRAST -> {
                            byte[] pixels = hwc(images, i);
                            yield contrast(pixels, 2, mean(pixels));
                        }
                        case MIXED -> {
                            // any other image of the set, uniformly
                            int other = (i + 1 + random.nextInt(images.size() - 1)) % images.size();
                            yield mix(hwc(images, i), hwc(images, other));
                        }
                        case PIXELATED -> pixelate(hwc(images, i), w, h, c, PIXEL_BLOCK);
                        case SALT_AND_PEPPER ->
                                saltAndPepper(
                                        hwc(images, i), w, h, c, SALT_AND_PEPPER_SHARE, random);
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

    /** Shifted by {@code distance} in one of the four axis directions, drawn at random. */
    private static byte[] shiftAlongAnAxis(
            byte[] pixels, int width, int height, int channels, int distance, Random random) {
        int direction = random.nextInt(4);
        int dx = direction == 0 ? distance : direction == 1 ? -distance : 0;
        int dy = direction == 2 ? distance : direction == 3 ? -distance : 0;
        return shift(pixels, width, height, channels, dx, dy);
    }
}
