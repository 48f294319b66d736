package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Random;

class TypicalityTestTest {

    /** Bits/dim of normal images: N(3, 0.3²). */
    private static double[] normals(int n, long seed) {
        Random random = new Random(seed);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = 3 + 0.3 * random.nextGaussian();
        }
        return s;
    }

    private static double mean(double[] x, int from, int count) {
        double sum = 0;
        for (int i = from; i < from + count; i++) {
            sum += x[i];
        }
        return sum / count;
    }

    @Test
    void windowsOfFreshNormalsAlertAtAboutAlpha() {
        TypicalityTest test = new TypicalityTest(normals(5000, 1), 16);
        assertEquals(3, test.entropy(), 0.02);
        double[] fresh = normals(16 * 2000, 2);
        int alerts = 0;
        for (int w = 0; w < 2000; w++) {
            if (test.pValue(test.statistic(mean(fresh, 16 * w, 16))) < 0.05) {
                alerts++;
            }
        }
        // binomial(2000, 0.05): 100 ± 10; 5 standard deviations either side
        assertEquals(100, alerts, 50);
    }

    /**
     * Ĥ is the mean of n random images, so a normal window differs from it by more than windows
     * around Ĥ alone say: with M = n a null that ignored it alerted on about 17 % of normal windows
     * at α = 5 %. Averaged over calibrations, since each calibration's Ĥ errs its own way.
     */
    @Test
    void windowsAsLargeAsTheCalibrationStillAlertAtAboutAlpha() {
        int n = 400;
        int calibrations = 40;
        int windows = 100;
        int alerts = 0;
        for (int c = 0; c < calibrations; c++) {
            TypicalityTest test = new TypicalityTest(normals(n, 100 + c), n);
            double[] fresh = normals(n * windows, 1000 + c);
            for (int w = 0; w < windows; w++) {
                if (test.pValue(test.statistic(mean(fresh, n * w, n))) < 0.05) {
                    alerts++;
                }
            }
        }
        double rate = alerts / (double) (calibrations * windows);
        assertTrue(rate > 0.02 && rate < 0.09, "false alarm rate " + rate);
    }

    @Test
    void windowsTooLikelyAreAtypicalLikeWindowsTooUnlikely() {
        TypicalityTest test = new TypicalityTest(normals(5000, 1), 16);
        // a single image at 2.6 bits/dim is unremarkable (-1.3 sigma); 16 of them on average are
        // not
        double tooLikely = test.pValue(test.statistic(2.6));
        double tooUnlikely = test.pValue(test.statistic(3.4));
        assertTrue(tooLikely < 1e-3 && tooUnlikely < 1e-3, tooLikely + " " + tooUnlikely);
        assertTrue(test.pValue(test.statistic(3.0)) > 0.9);
        assertTrue(test.statistic(2.6) > test.threshold(0.01));
    }

    @Test
    void sameNormalsSameTestAndTooFewFail() {
        double[] n = normals(100, 3);
        assertEquals(
                new TypicalityTest(n, 8).threshold(0.01), new TypicalityTest(n, 8).threshold(0.01));
        assertThrows(IllegalArgumentException.class, () -> new TypicalityTest(new double[] {3}, 8));
        assertThrows(IllegalArgumentException.class, () -> new TypicalityTest(n, 0));
    }
}
