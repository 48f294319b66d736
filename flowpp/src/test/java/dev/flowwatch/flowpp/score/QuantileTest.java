package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class QuantileTest {

    @Test
    void interpolatesBetweenOrderStatisticsAsNumpyDoes() {
        assertEquals(3.25, Quantile.of(new double[] {4, 1, 3, 2}, 0.75), 1e-12);
        assertEquals(3.7, Quantile.of(new double[] {4, 1, 3, 2}, 0.9), 1e-12);
        assertEquals(7, Quantile.of(new double[] {7}, 0.9), 0.0);
    }

    @Test
    void leavesTheValuesAsTheyAre() {
        double[] values = {4, 1, 3, 2};
        Quantile.of(values, 0.5);
        assertArrayEquals(new double[] {4, 1, 3, 2}, values, 0.0);
        assertEquals(2.5, Quantile.ofSorted(new double[] {1, 2, 3, 4}, 0.5), 1e-12);
    }
}
