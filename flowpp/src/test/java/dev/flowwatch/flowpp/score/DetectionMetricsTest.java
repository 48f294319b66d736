package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DetectionMetricsTest {

    /** As the p-values and alerts take it: an image the model cannot score is anomalous. */
    @Test
    void aNaNScoreIsTheMostAnomalous() {
        double[] normal = {1, 2, 3};
        assertEquals(1.0, DetectionMetrics.auroc(normal, new double[] {Double.NaN}), 0.0);
        assertEquals(0.0, DetectionMetrics.auroc(new double[] {Double.NaN}, normal), 0.0);
        assertEquals(1.0, DetectionMetrics.auprc(normal, new double[] {Double.NaN}), 0.0);
        assertEquals(
                0.0, DetectionMetrics.fprAtTpr(normal, new double[] {Double.NaN, 5}, 1.0), 0.0);
        assertEquals(0.5, DetectionMetrics.rateAbove(new double[] {Double.NaN, 0}, 1), 0.0);
    }

    @Test
    void perfectSeparationScoresOneAndNoFalseAlarms() {
        double[] normal = {1, 2, 3};
        double[] anomalous = {4, 5};
        assertEquals(1.0, DetectionMetrics.auroc(normal, anomalous), 0.0);
        assertEquals(1.0, DetectionMetrics.auprc(normal, anomalous), 0.0);
        assertEquals(0.0, DetectionMetrics.fprAtTpr(normal, anomalous, 0.95), 0.0);
    }

    @Test
    void reversedScoresGiveZeroAuroc() {
        assertEquals(0.0, DetectionMetrics.auroc(new double[] {4, 5}, new double[] {1, 2}), 0.0);
        assertEquals(
                1.0, DetectionMetrics.fprAtTpr(new double[] {4, 5}, new double[] {1, 2}, 0.95));
    }

    @Test
    void tiesCountHalf() {
        assertEquals(0.5, DetectionMetrics.auroc(new double[] {1, 1}, new double[] {1}), 0.0);
    }

    @Test
    void handCheckedMixedCase() {
        // normal {1, 3}, anomalous {2, 4}: pairs (2>1), (2<3), (4>1), (4>3) → 3 of 4
        double[] normal = {1, 3};
        double[] anomalous = {2, 4};
        assertEquals(0.75, DetectionMetrics.auroc(normal, anomalous), 0.0);
        // ranking 4(a) 3(n) 2(a) 1(n): precision 1 at recall 1/2, 2/3 at recall 1
        assertEquals(0.5 * 1 + 0.5 * (2.0 / 3), DetectionMetrics.auprc(normal, anomalous), 1e-12);
        // 95 % of the anomalies needs the threshold at 2: normal 3 is above it
        assertEquals(0.5, DetectionMetrics.fprAtTpr(normal, anomalous, 0.95), 0.0);
        // 50 % needs only 4
        assertEquals(0.0, DetectionMetrics.fprAtTpr(normal, anomalous, 0.5), 0.0);
    }

    @Test
    void rateAboveCountsStrictlyGreater() {
        assertEquals(0.25, DetectionMetrics.rateAbove(new double[] {1, 2, 3, 4}, 3), 0.0);
    }
}
