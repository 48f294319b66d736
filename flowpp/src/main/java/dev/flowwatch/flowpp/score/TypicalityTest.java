package dev.flowwatch.flowpp.score;

import java.util.Arrays;
import java.util.Random;

/**
 * The typicality test of Nalisnick et al. (2019, "Detecting Out-of-Distribution Inputs to Deep
 * Generative Models Using Typicality") for a window of M images from one source: the window is
 * atypical when its mean code length is far from the model's entropy rate on normal data, in either
 * direction,
 *
 * <pre>  T = | mean of the window's bits/dim − Ĥ |,</pre>
 *
 * with Ĥ the mean bits/dim of held-out normal images. A run of MNIST digits is flagged because its
 * mean is far <em>below</em> Ĥ, which no one-sided test of single images can do.
 *
 * <p>The null distribution of T comes from {@value #BOOTSTRAP_WINDOWS} windows of M images drawn
 * with replacement from the held-out normals' bits/dim (a fixed seed, so the same calibration
 * always gives the same test); a window's p-value is conformal against them. Bootstrap windows
 * reuse calibration images, so with few of them (n not much larger than M) the test is only
 * approximately at level α.
 */
public final class TypicalityTest {

    public static final int BOOTSTRAP_WINDOWS = 10_000;
    private static final long SEED = 20190222L;

    private final int window;
    private final double entropy;
    private final double[] nullStatistics;

    /**
     * @param normalBitsPerDim bits/dim of held-out normal images
     * @param window M, the number of images per window
     */
    public TypicalityTest(double[] normalBitsPerDim, int window) {
        if (window < 1) {
            throw new IllegalArgumentException(
                    "the window needs at least one image, got " + window);
        }
        if (normalBitsPerDim.length < 2) {
            throw new IllegalArgumentException(
                    "the typicality test needs at least 2 normal scores, got "
                            + normalBitsPerDim.length);
        }
        this.window = window;
        this.entropy = Arrays.stream(normalBitsPerDim).average().orElseThrow();
        double[] statistics = sampleStatistics(normalBitsPerDim, BOOTSTRAP_WINDOWS, SEED);
        Arrays.sort(statistics);
        this.nullStatistics = statistics;
    }

    /** The test of the bits/dim null scores of a calibration. */
    public static TypicalityTest of(Calibration calibration, int window) {
        return new TypicalityTest(calibration.nullScores(ScoreKind.BPD), window);
    }

    /** M. */
    public int window() {
        return window;
    }

    /** Ĥ, the mean bits/dim of the normal images. */
    public double entropy() {
        return entropy;
    }

    /** T of a window whose images have mean bits/dim {@code meanBitsPerDim}. */
    public double statistic(double meanBitsPerDim) {
        return Math.abs(meanBitsPerDim - entropy);
    }

    /**
     * T of {@code count} windows of M scores each drawn with replacement from {@code bitsPerDim},
     * as a source sending such images would fill them; the same seed gives the same windows.
     */
    public double[] sampleStatistics(double[] bitsPerDim, int count, long seed) {
        Random random = new Random(seed);
        double[] statistics = new double[count];
        for (int w = 0; w < count; w++) {
            double sum = 0;
            for (int i = 0; i < window; i++) {
                sum += bitsPerDim[random.nextInt(bitsPerDim.length)];
            }
            statistics[w] = statistic(sum / window);
        }
        return statistics;
    }

    /** The conformal p-value of a window's statistic against the bootstrap windows. */
    public double pValue(double statistic) {
        return ConformalPValues.pValue(nullStatistics, statistic);
    }

    /** The statistic above which p &lt; α. */
    public double threshold(double alpha) {
        return ConformalPValues.threshold(nullStatistics, alpha);
    }
}
