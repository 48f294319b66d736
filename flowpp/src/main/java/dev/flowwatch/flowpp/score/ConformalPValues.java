package dev.flowwatch.flowpp.score;

/**
 * Conformal p-values against an empirical null distribution given as ascending scores c_1..c_n:
 *
 * <pre>  p(s) = (1 + #{i : c_i &ge; s}) / (n + 1)</pre>
 *
 * (split conformal prediction, Vovk et al.; Bates et al., "Testing for outliers with conformal
 * p-values", 2023). If s and the c_i are exchangeable, P(p(s) &le; α) &le; α for every α.
 */
public final class ConformalPValues {

    private ConformalPValues() {}

    /**
     * The p-value of {@code score} against {@code ascending}. NaN counts as +∞, as in {@link
     * NullSurprise}: compared as a number it would be below every null score, and a score the model
     * could not compute would pass as the most normal of all.
     */
    public static double pValue(double[] ascending, double score) {
        double s = Double.isNaN(score) ? Double.POSITIVE_INFINITY : score;
        int atLeast = ascending.length - DetectionMetrics.lowerBound(ascending, s);
        return (1.0 + atLeast) / (ascending.length + 1);
    }

    /**
     * The score t with p(s) &lt; α exactly when s &gt; t.
     *
     * <p>p(s) &lt; α ⟺ #{c_i &ge; s} &le; m with m = ⌈α(n+1)⌉ − 2, which holds exactly for s above
     * the (m+1)-th largest null score.
     *
     * @throws IllegalArgumentException when no score can reach p &lt; α, i.e. n + 1 &le; 1/α
     */
    public static double threshold(double[] ascending, double alpha) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException(
                    "alpha must lie strictly between 0 and 1, got " + alpha);
        }
        int m = (int) Math.ceil(alpha * (ascending.length + 1) - 1e-12) - 2;
        if (m < 0) {
            throw new IllegalArgumentException(
                    String.format(
                            "a calibration of %d images cannot give p < %s (the smallest p-value"
                                    + " is 1/(n+1)); calibrate on at least %d images",
                            ascending.length, alpha, (int) Math.floor(1 / alpha)));
        }
        return ascending[ascending.length - 1 - m];
    }
}
