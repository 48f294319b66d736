package dev.flowwatch.flowpp.data;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Random;

/**
 * An immutable set of {@code size()} images of shape channels × height × width, stored as unsigned
 * bytes in one array in N, C, H, W order, with optional integer class labels.
 *
 * <p>One flat byte array keeps a 60 000-image data set at one byte per pixel and lets a batch be
 * copied out with a single loop; floats are made only for the batch being used ({@link
 * #toFloats(int, int)}).
 */
public final class ImageSet {

    private final byte[] pixels;
    private final int size;
    private final int channels;
    private final int height;
    private final int width;
    private final int[] labels;
    private final String description;

    private ImageSet(
            byte[] pixels, int channels, int height, int width, int[] labels, String description) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(description, "description");
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(
                    "image shape must be positive, got channels=%d height=%d width=%d"
                            .formatted(channels, height, width));
        }
        long dimensions = (long) channels * height * width;
        if (pixels.length % dimensions != 0) {
            throw new IllegalArgumentException(
                    "pixel array length %d is not a multiple of channels×height×width = %d"
                            .formatted(pixels.length, dimensions));
        }
        int size = (int) (pixels.length / dimensions);
        if (labels != null && labels.length != size) {
            throw new IllegalArgumentException(
                    "%d labels given for %d images".formatted(labels.length, size));
        }
        this.pixels = pixels;
        this.size = size;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.labels = labels;
        this.description = description;
    }

    /**
     * Creates an image set from a copy of the given arrays.
     *
     * @param pixels unsigned bytes in N, C, H, W order; its length fixes the number of images
     * @param labels one label per image, or {@code null} when the labels are unknown
     * @param description where the images came from, for messages and reports
     */
    public static ImageSet of(
            byte[] pixels, int channels, int height, int width, int[] labels, String description) {
        return new ImageSet(
                pixels.clone(),
                channels,
                height,
                width,
                labels == null ? null : labels.clone(),
                description);
    }

    /**
     * Creates an unlabelled image set from float pixel values on the 0..255 scale, such as samples
     * drawn from a model; values are rounded and clamped to 0..255, NaN becomes 0.
     */
    public static ImageSet fromFloats(
            float[] values, int channels, int height, int width, String description) {
        byte[] pixels = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            int rounded = Float.isNaN(v) ? 0 : Math.round(Math.max(0f, Math.min(255f, v)));
            pixels[i] = (byte) rounded;
        }
        return new ImageSet(pixels, channels, height, width, null, description);
    }

    /** Wraps arrays without copying; for readers in this package that hand over fresh arrays. */
    static ImageSet wrap(
            byte[] pixels, int channels, int height, int width, int[] labels, String description) {
        return new ImageSet(pixels, channels, height, width, labels, description);
    }

    public int size() {
        return size;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Values per image: channels × height × width. */
    public int dimensions() {
        return channels * height * width;
    }

    public String description() {
        return description;
    }

    public boolean hasLabels() {
        return labels != null;
    }

    /** The label of image {@code index}; throws if this set has no labels. */
    public int label(int index) {
        checkIndex(index);
        if (labels == null) {
            throw new IllegalStateException("image set '" + description + "' has no labels");
        }
        return labels[index];
    }

    /** The pixel value 0..255 of image {@code index} at the given channel, row and column. */
    public int pixel(int index, int channel, int y, int x) {
        checkIndex(index);
        Objects.checkIndex(channel, channels);
        Objects.checkIndex(y, height);
        Objects.checkIndex(x, width);
        return Byte.toUnsignedInt(pixels[((index * channels + channel) * height + y) * width + x]);
    }

    /**
     * SHA-256 of the images' shape and pixels, in hex: what tells one set of images from another of
     * the same size (labels and description aside).
     */
    public String sha256() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(
                    ByteBuffer.allocate(3 * Integer.BYTES)
                            .putInt(channels)
                            .putInt(height)
                            .putInt(width)
                            .array());
            return HexFormat.of().formatHex(digest.digest(pixels));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** A copy of the pixels of images {@code from} (inclusive) to {@code to} (exclusive). */
    public byte[] pixels(int from, int to) {
        checkRange(from, to);
        return Arrays.copyOfRange(pixels, from * dimensions(), to * dimensions());
    }

    /**
     * The pixels of images {@code from} (inclusive) to {@code to} (exclusive) as floats 0..255 in
     * N, C, H, W order, ready to become a batch tensor.
     */
    public float[] toFloats(int from, int to) {
        checkRange(from, to);
        int offset = from * dimensions();
        float[] values = new float[(to - from) * dimensions()];
        for (int i = 0; i < values.length; i++) {
            values[i] = Byte.toUnsignedInt(pixels[offset + i]);
        }
        return values;
    }

    /** What a description gains when a reader kept only the first {@code kept} of {@code all}. */
    static String cut(int kept, int all) {
        return kept < all ? "[0:%d]".formatted(kept) : "";
    }

    /** Images {@code from} (inclusive) to {@code to} (exclusive), in order. */
    public ImageSet slice(int from, int to) {
        checkRange(from, to);
        int[] sliceLabels = labels == null ? null : Arrays.copyOfRange(labels, from, to);
        return wrap(
                pixels(from, to),
                channels,
                height,
                width,
                sliceLabels,
                "%s[%d:%d]".formatted(description, from, to));
    }

    /** The first {@code n} images, or all of them when there are fewer. */
    public ImageSet limit(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + n);
        }
        return n >= size ? this : slice(0, n);
    }

    /** The images at the given indices, in that order; an index may repeat. */
    public ImageSet select(int[] indices) {
        return select(indices, description + " (selection of " + indices.length + ")");
    }

    private ImageSet select(int[] indices, String selectionDescription) {
        int dims = dimensions();
        byte[] selected = new byte[indices.length * dims];
        int[] selectedLabels = labels == null ? null : new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            int index = indices[i];
            checkIndex(index);
            System.arraycopy(pixels, index * dims, selected, i * dims, dims);
            if (selectedLabels != null) {
                selectedLabels[i] = labels[index];
            }
        }
        return wrap(selected, channels, height, width, selectedLabels, selectionDescription);
    }

    /**
     * Shuffles the images with a {@link Random} seeded by {@code seed} and splits them into a
     * training part and a validation part of {@code round(size × validationFraction)} images; the
     * same seed always gives the same split.
     *
     * @throws IllegalArgumentException unless both parts end up with at least one image
     */
    public Split split(double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException(
                    "validation fraction must lie strictly between 0 and 1, got "
                            + validationFraction);
        }
        int validationSize = (int) Math.round(size * validationFraction);
        if (validationSize == 0 || validationSize == size) {
            throw new IllegalArgumentException(
                    "validation fraction %s of %d images leaves one part empty"
                            .formatted(validationFraction, size));
        }
        int[] order = shuffledIndices(seed);
        int trainSize = size - validationSize;
        return new Split(
                select(
                        Arrays.copyOfRange(order, 0, trainSize),
                        "%s (train split, seed %d)".formatted(description, seed)),
                select(
                        Arrays.copyOfRange(order, trainSize, size),
                        "%s (validation split, seed %d)".formatted(description, seed)));
    }

    /**
     * {@code n} images drawn at random without repeats, by a {@link Random} seeded by {@code seed}
     * (all of them, shuffled, when there are no more than {@code n}): a subset that stands for the
     * whole set, whatever order it was read in.
     */
    public ImageSet sample(int n, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("a sample needs at least one image, got " + n);
        }
        return select(
                Arrays.copyOf(shuffledIndices(seed), Math.min(n, size)),
                "%s (sample of %d, seed %d)".formatted(description, Math.min(n, size), seed));
    }

    private int[] shuffledIndices(long seed) {
        int[] order = new int[size];
        Arrays.setAll(order, i -> i);
        // Fisher–Yates with java.util.Random, whose sequence the JDK specifies for every seed.
        Random random = new Random(seed);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(
                    "image index %d is outside 0..%d of '%s'"
                            .formatted(index, size - 1, description));
        }
    }

    private void checkRange(int from, int to) {
        if (from < 0 || to > size || from > to) {
            throw new IndexOutOfBoundsException(
                    "image range [%d, %d) is not within [0, %d] of '%s'"
                            .formatted(from, to, size, description));
        }
    }

    @Override
    public String toString() {
        return "%s: %d images %d×%d×%d%s"
                .formatted(
                        description,
                        size,
                        channels,
                        height,
                        width,
                        labels == null ? "" : ", labelled");
    }

    /**
     * A data set divided into disjoint training and validation parts.
     *
     * @param train the images to fit on
     * @param validation the held-out images
     */
    public record Split(ImageSet train, ImageSet validation) {}
}
