package dev.flowwatch.flowpp.score;

import java.util.Arrays;

/**
 * The q-th quantile with linear interpolation between order statistics, numpy's default: the image
 * statistics are specified by numpy replicas, and must agree with them to the last digit.
 */
public final class Quantile {

    private Quantile() {}

    /** The quantile of {@code values}, which are left as they are. */
    public static double of(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return ofSorted(sorted, q);
    }

    /** The quantile of values already in ascending order. */
    public static double ofSorted(double[] sorted, double q) {
        double rank = q * (sorted.length - 1);
        int below = (int) Math.floor(rank);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }
}
