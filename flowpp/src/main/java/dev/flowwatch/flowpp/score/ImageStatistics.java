package dev.flowwatch.flowpp.score;

import dev.flowwatch.flowpp.data.ImageSet;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Statistics of a set's images themselves, not of the model: the input complexity per compressor,
 * the {@link ImageLayout}, the {@link ImageSharpness}, the {@link ImageRange}, the {@link
 * ImageOutline}, the {@link ShapeDescriptor} and what a dose model's shape parts say of it. Each is
 * computed for every image the first time any image asks, the images in parallel, and then kept, so
 * several score kinds and densities over one set compress each image once. (In the stream this is a
 * batch's CPU work besides its forward pass; on a GPU host, where the forward pass is cheap, a
 * large part of the batch's time.)
 *
 * <p>Not thread-safe: one thread at a time may ask, and a thread that takes over after another must
 * be ordered after it (as joining the other's future orders it).
 */
public final class ImageStatistics {

    private final ImageSet images;
    private final Map<InputComplexity.Compressor, double[]> complexities =
            new EnumMap<>(InputComplexity.Compressor.class);
    private double[][] layouts;
    private double[][] ranges;
    private float[][] shapes;
    private Double[] sharpness;
    private Double[] outlines;
    private DoseModel matchesOf;
    private DoseModel.ShapeMatch[] shapeMatches;

    private ImageStatistics(ImageSet images) {
        this.images = images;
    }

    public static ImageStatistics of(ImageSet images) {
        return new ImageStatistics(images);
    }

    public ImageSet images() {
        return images;
    }

    /** L(x)/D of image {@code index} under the compressor, in bits per dimension. */
    public double complexity(InputComplexity.Compressor compressor, int index) {
        double[] c =
                complexities.computeIfAbsent(
                        compressor,
                        k ->
                                IntStream.range(0, images.size())
                                        .parallel()
                                        .mapToDouble(
                                                i ->
                                                        InputComplexity.bitsPerDim(
                                                                k,
                                                                images.pixels(i, i + 1),
                                                                images.channels(),
                                                                images.height(),
                                                                images.width()))
                                        .toArray());
        return c[index];
    }

    /** {@link ImageLayout#of} image {@code index}; the array is shared, do not change it. */
    public double[] layout(int index) {
        if (layouts == null) {
            layouts = everyImage(ImageLayout::of, double[][]::new);
        }
        return layouts[index];
    }

    /** {@link ImageRange#of} image {@code index}; the array is shared, do not change it. */
    public double[] range(int index) {
        if (ranges == null) {
            ranges = everyImage(ImageRange::of, double[][]::new);
        }
        return ranges[index];
    }

    /** {@link ImageSharpness#of} image {@code index}. */
    public double sharpness(int index) {
        if (sharpness == null) {
            sharpness = everyImage(ImageSharpness::of, Double[]::new);
        }
        return sharpness[index];
    }

    /** {@link ImageOutline#of} image {@code index}. */
    public double outline(int index) {
        if (outlines == null) {
            outlines = everyImage(ImageOutline::of, Double[]::new);
        }
        return outlines[index];
    }

    /** {@link ShapeDescriptor#of} image {@code index}; the array is shared, do not change it. */
    public float[] shape(int index) {
        return shapes()[index];
    }

    /** {@link ShapeDescriptor#of} every image; the arrays are shared, do not change them. */
    public float[][] shapes() {
        if (shapes == null) {
            shapes = everyImage(ShapeDescriptor::of, float[][]::new);
        }
        return shapes;
    }

    /**
     * Every image's {@link DoseModel#shapeMatch} under {@code dose}, searched once for the last
     * model asked, the images in parallel (the search is the costliest part of a dose score on the
     * CPU); the array is shared, do not change it.
     *
     * @throws IllegalStateException when the model has no shape part
     */
    public DoseModel.ShapeMatch[] shapeMatches(DoseModel dose) {
        if (matchesOf != dose) {
            float[][] descriptors = shapes();
            shapeMatches =
                    IntStream.range(0, descriptors.length)
                            .parallel()
                            .mapToObj(i -> dose.shapeMatch(descriptors[i]))
                            .toArray(DoseModel.ShapeMatch[]::new);
            matchesOf = dose;
        }
        return shapeMatches;
    }

    /** Fails unless {@code pixels} holds one C×H×W image of unsigned bytes. */
    static void requireSize(byte[] pixels, int channels, int height, int width) {
        if (pixels.length != channels * height * width) {
            throw new IllegalArgumentException(
                    "%d pixel bytes given for a %dx%dx%d image"
                            .formatted(pixels.length, channels, height, width));
        }
    }

    /**
     * The intensity of one image, channels averaged, in 0..1, {@code [y][x]}.
     *
     * @param pixels unsigned bytes in C, H, W order
     */
    static double[][] intensity(byte[] pixels, int channels, int height, int width) {
        requireSize(pixels, channels, height, width);
        double[][] intensity = new double[height][width];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    intensity[y][x] +=
                            Byte.toUnsignedInt(pixels[(c * height + y) * width + x])
                                    / (255.0 * channels);
                }
            }
        }
        return intensity;
    }

    private <T> T[] everyImage(OfPixels<T> statistic, IntFunction<T[]> array) {
        return IntStream.range(0, images.size())
                .parallel()
                .mapToObj(
                        i ->
                                statistic.of(
                                        images.pixels(i, i + 1),
                                        images.channels(),
                                        images.height(),
                                        images.width()))
                .toArray(array);
    }

    /** A statistic of one image's pixels, unsigned bytes in C, H, W order. */
    private interface OfPixels<T> {
        T of(byte[] pixels, int channels, int height, int width);
    }
}
