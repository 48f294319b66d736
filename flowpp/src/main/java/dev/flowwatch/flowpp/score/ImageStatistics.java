package dev.flowwatch.flowpp.score;

import dev.flowwatch.flowpp.data.ImageSet;

import java.util.EnumMap;
import java.util.Map;

/**
 * Statistics of a set's images themselves, not of the model: the input complexity per compressor
 * and the {@link ImageLayout}. Each is computed for every image the first time any image asks, and
 * then kept, so several score kinds and densities over one set compress each image once.
 */
public final class ImageStatistics {

    private final ImageSet images;
    private final Map<InputComplexity.Compressor, double[]> complexities =
            new EnumMap<>(InputComplexity.Compressor.class);
    private double[][] layouts;

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
                        k -> {
                            double[] all = new double[images.size()];
                            for (int i = 0; i < all.length; i++) {
                                all[i] =
                                        InputComplexity.bitsPerDim(
                                                k,
                                                images.pixels(i, i + 1),
                                                images.channels(),
                                                images.height(),
                                                images.width());
                            }
                            return all;
                        });
        return c[index];
    }

    /** {@link ImageLayout#of} image {@code index}; the array is shared, do not change it. */
    public double[] layout(int index) {
        if (layouts == null) {
            layouts = new double[images.size()][];
            for (int i = 0; i < layouts.length; i++) {
                layouts[i] =
                        ImageLayout.of(
                                images.pixels(i, i + 1),
                                images.channels(),
                                images.height(),
                                images.width());
            }
        }
        return layouts[index];
    }
}
