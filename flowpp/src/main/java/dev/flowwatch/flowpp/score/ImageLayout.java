package dev.flowwatch.flowpp.score;

import java.util.List;

/**
 * Where an image's intensity lies: its mean, the centroid and the central second moments of the
 * intensity over the image plane, coordinates scaled to 0..1 (pixel centres at (i + ½)/size).
 *
 * <p>A statistic of {@link ScoreKind#DOSE}: the flow's terms describe how costly an image's content
 * is to code, not where the content sits, so a garment moved off centre, turned, or with a quarter
 * of it blacked out costs about as many bits as a normal one. Measured on the broad benchmark
 * (README, "Anomaly scores"), adding these six numbers to the density raised the AUROC of UCI
 * digits from 0.514 to 0.954, occluded clothes from 0.731 to 0.974, shifted ones from 0.694 to
 * 0.952 and MNIST digits from 0.983 to 0.993.
 */
public final class ImageLayout {

    /** The statistics, in the order of {@link #of}. */
    public static final List<String> NAMES = List.of("mass", "x", "y", "xx", "yy", "xy");

    private ImageLayout() {}

    /**
     * The layout of one image, channels averaged. An all-black image weighs every pixel equally, as
     * a constant image does.
     *
     * @param pixels unsigned bytes in C, H, W order
     * @return mean intensity (0..1), centroid x and y, second moments xx, yy and xy
     */
    public static double[] of(byte[] pixels, int channels, int height, int width) {
        ImageStatistics.requireSize(pixels, channels, height, width);
        double[][] weight = new double[height][width];
        double total = 0;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double v = Byte.toUnsignedInt(pixels[(c * height + y) * width + x]);
                    weight[y][x] += v;
                    total += v;
                }
            }
        }
        double mass = total / (255.0 * pixels.length);
        double sum = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double syy = 0;
        double sxy = 0;
        for (int y = 0; y < height; y++) {
            double v = (y + 0.5) / height;
            for (int x = 0; x < width; x++) {
                double u = (x + 0.5) / width;
                double w = total == 0 ? 1 : weight[y][x];
                sum += w;
                sx += w * u;
                sy += w * v;
                sxx += w * u * u;
                syy += w * v * v;
                sxy += w * u * v;
            }
        }
        double cx = sx / sum;
        double cy = sy / sum;
        return new double[] {
            mass, cx, cy, sxx / sum - cx * cx, syy / sum - cy * cy, sxy / sum - cx * cy
        };
    }
}
