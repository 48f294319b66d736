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
     * Standardised and whitened, a Gaussian sample becomes N(0, I); the kernel adds h² to its
     * variance, so at the center −log k = log(2π(1 + h²)) for d = 2.
     */
    @Test
    void densityAtTheCenterOfAGaussianSampleIsTheSmoothedGaussiansDensity() {
        KernelDensity density = KernelDensity.fit(XY, gaussian(1500, 0.8, 1));
        double h = density.state().bandwidth();
        assertTrue(h > 0.05 && h < 1, "bandwidth " + h);
        assertEquals(
                Math.log(2 * Math.PI * (1 + h * h)),
                density.negativeLogDensity(new double[] {10, -2}),
                0.1);
    }

    /** At equal distance from the center, a point against the correlation is the less typical. */
    @Test
    void pointsAgainstTheCorrelationOfTheStatisticsScoreHigher() {
        KernelDensity density = KernelDensity.fit(XY, gaussian(2000, 0.9, 2));
        // one standard deviation along each axis, with and against the correlation
        double along = density.negativeLogDensity(new double[] {13, -1.5});
        double against = density.negativeLogDensity(new double[] {13, -2.5});
        assertTrue(against > along + 2, "along " + along + ", against " + against);
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
                                        s.whitening(),
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
                                        s.whitening(),
                                        0,
                                        s.points())));
    }

    @Test
    void choleskyFactorAndItsInverseAreExact() {
        double[][] c = {{4, 2, 0.4}, {2, 5, 1}, {0.4, 1, 3}};
        double[][] l = KernelDensity.cholesky(c);
        double[][] inv = KernelDensity.invertLower(l);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double llt = 0;
                double identity = 0;
                for (int k = 0; k < 3; k++) {
                    llt += l[i][k] * l[j][k];
                    identity += inv[i][k] * l[k][j];
                }
                assertEquals(c[i][j], llt, 1e-12);
                assertEquals(i == j ? 1 : 0, identity, 1e-12);
            }
        }
    }
}
