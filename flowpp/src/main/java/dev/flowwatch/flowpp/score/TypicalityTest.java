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
 * <p>The null distribution of T comes from {@value #BOOTSTRAP_WINDOWS} bootstrap draws (a fixed
 * seed, so the same calibration always gives the same test), each a window of M images drawn with
 * replacement from the n held-out normals' bits/dim and a calibration mean drawn as the mean of n
 * such images would fall, T* = | mean(window*) − mean(calibration*) |; a window's p-value is
 * conformal against them. Ĥ is itself the mean of n random images: a window differs from it by σ²/M
 * + σ²/n in variance, and a null of windows around the fixed Ĥ alone (σ²/M) alerted too often as M
 * nears n (measured: 5.35 % of normal windows at α = 1 % with n = M = 1000). Bootstrap draws reuse
 * calibration images, so the test is at level α only approximately.
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
        double[] statistics = nullStatistics(normalBitsPerDim);
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
            statistics[w] = statistic(resampledMean(bitsPerDim, window, random));
        }
        return statistics;
    }

    /**
     * T* of each bootstrap draw: a resampled window's mean against a resampled calibration's, the
     * latter drawn from its normal limit, N(Ĥ, σ̂²/n), σ̂² the normals' own variance (as the
     * bootstrap's): resampling n scores for each of the draws cost 10 000 × n draws at every start
     * (11 s for n = 60 000), and a mean of n scores is as normal as makes no difference for the n a
     * calibration has.
     */
    private double[] nullStatistics(double[] normals) {
        double variance = 0;
        for (double x : normals) {
            variance += (x - entropy) * (x - entropy);
        }
        double calibrationSd = Math.sqrt(variance / normals.length / normals.length);
        Random random = new Random(SEED);
        double[] statistics = new double[BOOTSTRAP_WINDOWS];
        for (int b = 0; b < BOOTSTRAP_WINDOWS; b++) {
            double windowMean = resampledMean(normals, window, random);
            double calibrationMean = entropy + calibrationSd * random.nextGaussian();
            statistics[b] = Math.abs(windowMean - calibrationMean);
        }
        return statistics;
    }

    private static double resampledMean(double[] values, int count, Random random) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += values[random.nextInt(values.length)];
        }
        return sum / count;
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
