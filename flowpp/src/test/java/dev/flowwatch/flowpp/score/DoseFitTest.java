package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

class DoseFitTest {

    private static final List<String> XY = List.of("x", "y");

    /**
     * The conformal p-values of fresh points from the calibration's distribution are uniform: the
     * Kolmogorov–Smirnov distance of 2000 of them to U(0, 1) stays below the 0.1 % critical value
     * of the two-sample test (the p-values are the fresh scores' ranks among the 1000 null
     * scores, so both samples' noise counts).
     * Scoring the fitted half itself as the null would fail this: each point sits on its own
     * kernel, so the null would be too low and fresh p-values too small.
     */
    @Test
    void pValuesOfFreshNormalsAreUniform() {
        DoseFit fit = DoseFit.of(XY, KernelDensityTest.gaussian(2000, 0.8, 11));
        double[] nulls = fit.nullScores().clone();
        Arrays.sort(nulls);
        double[] p =
                Arrays.stream(KernelDensityTest.gaussian(2000, 0.8, 12))
                        .mapToDouble(
                                v ->
                                        ConformalPValues.pValue(
                                                nulls, fit.density().negativeLogDensity(v)))
                        .sorted()
                        .toArray();
        double ks = 0;
        for (int i = 0; i < p.length; i++) {
            ks = Math.max(ks, Math.max((i + 1.0) / p.length - p[i], p[i] - (double) i / p.length));
        }
        assertTrue(
                ks < 1.95 * Math.sqrt(1.0 / p.length + 1.0 / nulls.length), "KS distance " + ks);
    }

    @Test
    void theDensityIsFittedOnTheEvenImagesAndTheNullIsTheOddOnes() {
        double[][] v = KernelDensityTest.gaussian(101, 0.2, 13);
        DoseFit fit = DoseFit.of(XY, v);
        assertEquals(51, fit.density().state().points().length);
        assertEquals(50, fit.nullScores().length);
        assertEquals(fit.density().negativeLogDensity(v[1]), fit.nullScores()[0], 0.0);
        assertEquals(fit.density().negativeLogDensity(v[99]), fit.nullScores()[49], 0.0);
    }

    @Test
    void tooFewImagesAreRefusedWithTheNumberNeeded() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> DoseFit.of(XY, KernelDensityTest.gaussian(7, 0, 14)));
        assertTrue(e.getMessage().contains("at least 8"), e.getMessage());
    }
}
