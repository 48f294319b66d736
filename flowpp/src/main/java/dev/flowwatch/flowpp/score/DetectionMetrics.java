package dev.flowwatch.flowpp.score;

import java.util.Arrays;

/**
 * How well a score separates anomalies from normal data, with anomalies as the positive class and
 * higher scores meaning "more anomalous". Ties between a normal and an anomalous score count half
 * (AUROC) or are taken together (AUPRC, FPR), so a constant score has AUROC 0.5. A NaN score is the
 * most anomalous, as the p-values and alerts take it (+∞).
 */
public final class DetectionMetrics {

    private DetectionMetrics() {}

    /**
     * Area under the ROC curve: the probability that a random anomaly scores above a random normal
     * image, ties counting one half (the Mann-Whitney U statistic over n·m).
     */
    public static double auroc(double[] normal, double[] anomalous) {
        requireBoth(normal, anomalous);
        double[] sorted = sorted(normal);
        double wins = 0;
        for (double a : sorted(anomalous)) {
            int below = lowerBound(sorted, a);
            int notAbove = upperBound(sorted, a);
            wins += below + 0.5 * (notAbove - below);
        }
        return wins / ((double) normal.length * anomalous.length);
    }

    /**
     * Area under the precision-recall curve as average precision: the mean, over thresholds at each
     * distinct score, of precision weighted by the recall gained there.
     */
    public static double auprc(double[] normal, double[] anomalous) {
        requireBoth(normal, anomalous);
        double[] n = sorted(normal);
        double[] a = sorted(anomalous);
        double[] thresholds = distinctDescending(normal, anomalous);
        double area = 0;
        double previousRecall = 0;
        for (double t : thresholds) {
            int tp = a.length - lowerBound(a, t);
            int fp = n.length - lowerBound(n, t);
            double recall = (double) tp / a.length;
            area += (recall - previousRecall) * tp / (tp + fp);
            previousRecall = recall;
        }
        return area;
    }

    /**
     * The false-positive rate at the highest threshold that flags at least {@code tpr} of the
     * anomalies (score &ge; threshold), e.g. FPR at 95 % TPR.
     */
    public static double fprAtTpr(double[] normal, double[] anomalous, double tpr) {
        requireBoth(normal, anomalous);
        double[] n = sorted(normal);
        double[] a = sorted(anomalous);
        // the k-th highest anomaly score, k = ceil(tpr * m): the highest threshold reaching tpr
        int k = (int) Math.ceil(tpr * a.length - 1e-9);
        double threshold = a[a.length - Math.max(1, k)];
        return (double) (n.length - lowerBound(n, threshold)) / n.length;
    }

    /** The share of {@code scores} strictly above {@code threshold}. */
    public static double rateAbove(double[] scores, double threshold) {
        long above = Arrays.stream(scores).filter(s -> s > threshold || Double.isNaN(s)).count();
        return (double) above / scores.length;
    }

    private static double[] distinctDescending(double[] x, double[] y) {
        double[] all = new double[x.length + y.length];
        System.arraycopy(x, 0, all, 0, x.length);
        System.arraycopy(y, 0, all, x.length, y.length);
        double[] distinct = Arrays.stream(sorted(all)).distinct().toArray();
        double[] descending = new double[distinct.length];
        for (int i = 0; i < distinct.length; i++) {
            descending[i] = distinct[distinct.length - 1 - i];
        }
        return descending;
    }

    /** Ascending, NaN as +∞. */
    private static double[] sorted(double[] x) {
        double[] s = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            s[i] = Double.isNaN(x[i]) ? Double.POSITIVE_INFINITY : x[i];
        }
        Arrays.sort(s);
        return s;
    }

    /** Index of the first element &ge; value in an ascending array. */
    static int lowerBound(double[] ascending, double value) {
        int lo = 0;
        int hi = ascending.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ascending[mid] < value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Index of the first element &gt; value in an ascending array. */
    static int upperBound(double[] ascending, double value) {
        int lo = 0;
        int hi = ascending.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ascending[mid] <= value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static void requireBoth(double[] normal, double[] anomalous) {
        if (normal.length == 0 || anomalous.length == 0) {
            throw new IllegalArgumentException(
                    "need normal and anomalous scores, got %d and %d"
                            .formatted(normal.length, anomalous.length));
        }
    }
}
