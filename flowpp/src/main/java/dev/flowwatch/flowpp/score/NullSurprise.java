package dev.flowwatch.flowpp.score;

import java.util.Arrays;

/**
 * How surprising a score is among the scores c_1..c_n of held-out normal images: −log p̃(s), p̃ a
 * conformal p-value made continuous, so that it can rank anomalies as well as test them.
 *
 * <p>With t(s) the position of s among the ascending c_(1)..c_(n), interpolated linearly between
 * them (0 at or below c_(1), n − 1 at c_(n)), p̃(s) = (n − t(s)) / (n + 1): at each c_(j) it is the
 * share of the other scores above it, plus one, over n + 1, the conformal p-value's form. Above the
 * largest null score the empirical distribution says nothing more, so p̃ falls on an exponential
 * tail, p̃(s) = e^(−(s − c_(n))/β) / (n + 1), whose scale β is the mean excess of the top 5 % of
 * the scores over the score below them (peaks over a threshold with an exponential tail, the
 * generalised Pareto of shape 0). The surprise is then continuous, grows without bound, and two
 * atypical images keep their order however far out they lie.
 *
 * <p>Surprises of different statistics are on one scale, a p-value's, whatever the statistics'
 * units: that is what lets {@link DoseModel} take the largest.
 */
public final class NullSurprise {

    private static final double TAIL_SHARE = 0.05;

    private final double[] ascending;
    private final double tailScale;

    private NullSurprise(double[] ascending) {
        this.ascending = ascending;
        int n = ascending.length;
        int top = Math.max(1, (int) Math.ceil(TAIL_SHARE * n));
        double threshold = ascending[Math.max(0, n - top - 1)];
        double excess = 0;
        for (int i = n - top; i < n; i++) {
            excess += ascending[i] - threshold;
        }
        // a null whose top is flat gives no scale; a unit one still orders what lies beyond
        this.tailScale = excess > 0 ? excess / top : 1;
    }

    /**
     * @param scores the null scores, in any order
     * @throws IllegalArgumentException when there are none or one is not finite
     */
    public static NullSurprise of(double[] scores) {
        if (scores.length == 0 || !Arrays.stream(scores).allMatch(Double::isFinite)) {
            throw new IllegalArgumentException(
                    "a null distribution needs at least one score, all finite");
        }
        double[] ascending = scores.clone();
        Arrays.sort(ascending);
        return new NullSurprise(ascending);
    }

    /**
     * Each score's surprise among the others, as a new image's among all of them: the null of a
     * statistic built from surprises, exchangeable with the new images' values.
     *
     * @throws IllegalArgumentException with fewer than two scores, or one not finite
     */
    public static double[] leaveOneOut(double[] scores) {
        NullSurprise all = of(scores);
        if (scores.length < 2) {
            throw new IllegalArgumentException("leaving one out needs at least two scores");
        }
        double[] out = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            int at = DetectionMetrics.lowerBound(all.ascending, scores[i]);
            double[] others = new double[scores.length - 1];
            System.arraycopy(all.ascending, 0, others, 0, at);
            System.arraycopy(all.ascending, at + 1, others, at, others.length - at);
            out[i] = new NullSurprise(others).surprise(scores[i]);
        }
        return out;
    }

    /** −log p̃(s); +∞ for +∞ and NaN, which no normal image has. */
    public double surprise(double score) {
        int n = ascending.length;
        double max = ascending[n - 1];
        if (Double.isNaN(score) || score == Double.POSITIVE_INFINITY) {
            return Double.POSITIVE_INFINITY;
        }
        if (score >= max) {
            return Math.log(n + 1) + (score - max) / tailScale;
        }
        int above = DetectionMetrics.upperBound(ascending, score);
        double position =
                above == 0
                        ? 0
                        : above
                                - 1
                                + (score - ascending[above - 1])
                                        / (ascending[above] - ascending[above - 1]);
        return Math.log(n + 1) - Math.log(n - position);
    }
}
