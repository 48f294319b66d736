package dev.flowwatch.flowpp.score;

import java.util.List;

/**
 * The {@link ScoreKind#DOSE} density fitted to one half of held-out normal images, and the scores
 * of the other half under it: the null distribution of its conformal p-values. The halves are the
 * even- and the odd-indexed images, so a file sorted by class still splits evenly. Scores of the
 * images the density was fitted to would be too low (each sits on its own kernel) and would make
 * the p-values of new images too small; the other half's scores are exchangeable with them.
 *
 * @param density fitted to the even-indexed images
 * @param nullScores the odd-indexed images' scores, in their order
 */
public record DoseFit(KernelDensity density, double[] nullScores) {

    /**
     * @param vectors every image's statistics, named by {@code statistics}
     * @throws IllegalArgumentException with fewer than 8 images, or a non-finite statistic among
     *     the fitted half
     */
    public static DoseFit of(List<String> statistics, double[][] vectors) {
        if (vectors.length < 8) {
            throw new IllegalArgumentException(
                    "score kind dose needs at least 8 calibration images, got " + vectors.length);
        }
        double[][][] halves = KernelDensity.alternate(vectors);
        double[][] fit = halves[0];
        double[][] held = halves[1];
        KernelDensity density = KernelDensity.fit(statistics, fit);
        double[] nulls = new double[held.length];
        for (int i = 0; i < held.length; i++) {
            nulls[i] = density.negativeLogDensity(held[i]);
        }
        return new DoseFit(density, nulls);
    }
}
