package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

class KernelDensityTest {

    private static final List<String> XY = List.of("x", "y");

    /** n points of a 2-d Gaussian with standard deviations 3 and 0.5 and correlation rho. */
    static double[][] gaussian(int n, double rho, long seed) {
        Random random = new Random(seed);
        double[][] v = new double[n][];
        for (int i = 0; i < n; i++) {
            double a = random.nextGaussian();
            double b = rho * a + Math.sqrt(1 - rho * rho) * random.nextGaussian();
            v[i] = new double[] {10 + 3 * a, -2 + 0.5 * b};
        }
        return v;
    }

    /**
     * Standardised, a Gaussian sample with correlation ρ becomes N(0, R), R = [[1, ρ], [ρ, 1]]; the
     * kernel adds h²I, so at the center −log k = log 2π + ½ log det(R + h²I).
     */
    @Test
    void densityAtTheCenterOfAGaussianSampleIsTheSmoothedGaussiansDensity() {
        KernelDensity density = KernelDensity.fit(XY, gaussian(1500, 0.8, 1));
        double h = density.state().bandwidth();
        assertTrue(h > 0.05 && h < 1, "bandwidth " + h);
        double det = (1 + h * h) * (1 + h * h) - 0.8 * 0.8;
        assertEquals(
                Math.log(2 * Math.PI) + 0.5 * Math.log(det),
                density.negativeLogDensity(new double[] {10, -2}),
                0.1);
    }

    /** Standardised per statistic: a statistic's own spread sets how far is far along it. */
    @Test
    void distancesCountInStandardDeviationsOfEachStatistic() {
        KernelDensity density = KernelDensity.fit(XY, gaussian(2000, 0, 2));
        // two standard deviations along x (sd 3) and along y (sd 0.5) are equally atypical
        double alongX = density.negativeLogDensity(new double[] {16, -2});
        double alongY = density.negativeLogDensity(new double[] {10, -1});
        assertEquals(alongX, alongY, 0.25);
        assertTrue(density.negativeLogDensity(new double[] {10, 1}) > alongX + 3);
    }

    @Test
    void scoresGrowWithTheDistanceFromTheData() {
        KernelDensity density = KernelDensity.fit(XY, gaussian(1000, 0.5, 3));
        double previous = Double.NEGATIVE_INFINITY;
        for (double x = 10; x < 200; x *= 1.5) {
            double s = density.negativeLogDensity(new double[] {x, -2});
            assertTrue(s > previous, "score " + s + " at x = " + x + " after " + previous);
            assertTrue(Double.isFinite(s), "score at x = " + x);
            previous = s;
        }
    }

    @Test
    void aNonFiniteStatisticIsTheMostAnomalous() {
        KernelDensity density = KernelDensity.fit(XY, gaussian(100, 0, 4));
        assertEquals(
                Double.POSITIVE_INFINITY,
                density.negativeLogDensity(new double[] {Double.NaN, -2}));
        assertEquals(
                Double.POSITIVE_INFINITY,
                density.negativeLogDensity(new double[] {10, Double.NEGATIVE_INFINITY}));
    }

    @Test
    void aStatisticThatNeverVariesDoesNotBreakTheFit() {
        double[][] v = gaussian(200, 0.3, 5);
        double[][] withConstant = new double[v.length][];
        for (int i = 0; i < v.length; i++) {
            withConstant[i] = new double[] {v[i][0], v[i][1], 7};
        }
        KernelDensity density = KernelDensity.fit(List.of("x", "y", "c"), withConstant);
        assertTrue(
                density.negativeLogDensity(new double[] {10, -2, 8})
                        > density.negativeLogDensity(new double[] {10, -2, 7}));
    }

    @Test
    void restoredStateScoresAlike() {
        KernelDensity density = KernelDensity.fit(XY, gaussian(300, 0.7, 6));
        KernelDensity restored = KernelDensity.of(density.state());
        for (double[] p : gaussian(20, 0.7, 7)) {
            assertEquals(density.negativeLogDensity(p), restored.negativeLogDensity(p), 0.0);
        }
    }

    @Test
    void inconsistentStateIsRefused() {
        KernelDensity.State s = KernelDensity.fit(XY, gaussian(50, 0, 8)).state();
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        KernelDensity.of(
                                new KernelDensity.State(
                                        List.of("x", "y", "z"),
                                        s.center(),
                                        s.scale(),
                                        s.bandwidth(),
                                        s.points())));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        KernelDensity.of(
                                new KernelDensity.State(
                                        s.statistics(),
                                        s.center(),
                                        s.scale(),
                                        0,
                                        s.points())));
    }
}
