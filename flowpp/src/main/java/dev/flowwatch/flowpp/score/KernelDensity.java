package dev.flowwatch.flowpp.score;

import java.util.Arrays;
import java.util.List;

/**
 * A Gaussian kernel density over vectors of per-image statistics, the density of the {@link
 * ScoreKind#DOSE} score (density of states, Morningstar et al., AISTATS 2021).
 *
 * <p>The statistics have different units and ranges (a scale's log-determinant varies by tenths of
 * a bit/dim, the compressed size by bits), so each is first standardised robustly, by its median
 * and its scaled median absolute deviation: a few odd calibration images cannot stretch the scale.
 * They are not whitened: several statistics are nearly linear in one another (the terms add up to
 * the bound), whitening magnifies the directions where normal images barely vary, and on the
 * project's benchmark it cost 0.035 AUROC on MNIST digits for nothing elsewhere. One isotropic
 * kernel then serves every statistic. Its width h maximises the likelihood of the odd-indexed
 * points under the density of the even-indexed ones, over a log-spaced grid, and is scaled from
 * that half to all n points by Scott's rate n^(−1/(d+4)). A KDE rather than a Gaussian mixture:
 * nothing to initialise, and its tails follow the data instead of a chosen number of components;
 * scoring costs O(n·d) per image.
 */
public final class KernelDensity {

    private static final double MAD_TO_SD = 1.4826;
    private static final int GRID = 30;
    private static final double MIN_BANDWIDTH = 0.02;
    private static final double MAX_BANDWIDTH = 5;

    /**
     * The fitted density, as stored in a calibration.
     *
     * @param statistics what each coordinate is
     * @param center per statistic, the median
     * @param scale per statistic, the robust standard deviation
     * @param bandwidth the kernel's standard deviation in standardised coordinates
     * @param points the fitted vectors, standardised
     */
    public record State(
            List<String> statistics,
            double[] center,
            double[] scale,
            double bandwidth,
            double[][] points) {}

    private final State state;
    private final int d;

    private KernelDensity(State state) {
        this.state = state;
        this.d = state.statistics().size();
    }

    /**
     * A density restored from its state.
     *
     * @throws IllegalArgumentException when the state is inconsistent
     */
    public static KernelDensity of(State state) {
        int d = state.statistics() == null ? 0 : state.statistics().size();
        boolean consistent =
                d > 0
                        && state.center() != null
                        && state.center().length == d
                        && state.scale() != null
                        && state.scale().length == d
                        && state.points() != null
                        && state.points().length > 0
                        && Arrays.stream(state.points()).allMatch(p -> p != null && p.length == d)
                        && state.bandwidth() > 0;
        if (!consistent) {
            throw new IllegalArgumentException(
                    "inconsistent density: every statistic needs a center, a scale and a"
                            + " coordinate of every point, and the bandwidth must be > 0");
        }
        return new KernelDensity(state);
    }

    /**
     * Fits a density to {@code vectors} ({@code vectors[i]} one image's statistics, named by
     * {@code statistics}).
     *
     * @throws IllegalArgumentException with fewer than 4 vectors, or a non-finite statistic
     */
    public static KernelDensity fit(List<String> statistics, double[][] vectors) {
        int d = statistics.size();
        int n = vectors.length;
        if (n < 4) {
            throw new IllegalArgumentException("a density needs at least 4 images, got " + n);
        }
        for (double[] v : vectors) {
            if (v.length != d || !Arrays.stream(v).allMatch(Double::isFinite)) {
                throw new IllegalArgumentException(
                        "every vector needs " + d + " finite statistics " + statistics);
            }
        }
        double[] center = new double[d];
        double[] scale = new double[d];
        for (int j = 0; j < d; j++) {
            int column = j;
            double[] x = Arrays.stream(vectors).mapToDouble(v -> v[column]).toArray();
            center[j] = median(x);
            double[] deviations = Arrays.stream(x).map(v -> Math.abs(v - center[column])).toArray();
            double mad = MAD_TO_SD * median(deviations);
            scale[j] = mad > 0 ? mad : fallbackScale(x);
        }
        double[][] points = new double[n][];
        for (int i = 0; i < n; i++) {
            // a millionth of a standard deviation is far below any kernel's width, and keeps the
            // stored calibration a third of the size of full doubles
            points[i] =
                    Arrays.stream(standardise(vectors[i], center, scale))
                            .map(x -> Math.round(x * 1e6) / 1e6)
                            .toArray();
        }
        return new KernelDensity(
                new State(List.copyOf(statistics), center, scale, bandwidth(points), points));
    }

    public State state() {
        return state;
    }

    public List<String> statistics() {
        return state.statistics();
    }

    /**
     * −log of the density at {@code vector}, in standardised coordinates: higher is less typical. A
     * vector with a non-finite statistic scores +∞, the most anomalous.
     */
    public double negativeLogDensity(double[] vector) {
        if (vector.length != d) {
            throw new IllegalArgumentException(
                    vector.length + " statistics given, the density has " + d);
        }
        if (!Arrays.stream(vector).allMatch(Double::isFinite)) {
            return Double.POSITIVE_INFINITY;
        }
        double[] y = standardise(vector, state.center(), state.scale());
        return -logDensity(y, state.points(), state.bandwidth());
    }

    /** log of (1/n) Σ N(y; p_i, h²I) over the points. */
    private static double logDensity(double[] y, double[][] points, double h) {
        double[] squared = new double[points.length];
        for (int i = 0; i < points.length; i++) {
            squared[i] = squaredDistance(y, points[i]);
        }
        return logMeanKernel(squared, h, y.length);
    }

    /** log of the mean of N(0; r_i, h²I) in d dimensions, by log-sum-exp, from r_i². */
    private static double logMeanKernel(double[] squared, double h, int d) {
        double min = Double.POSITIVE_INFINITY;
        for (double r2 : squared) {
            min = Math.min(min, r2);
        }
        double sum = 0;
        for (double r2 : squared) {
            sum += Math.exp(-(r2 - min) / (2 * h * h));
        }
        return -min / (2 * h * h)
                + Math.log(sum)
                - Math.log(squared.length)
                - 0.5 * d * Math.log(2 * Math.PI * h * h);
    }

    private static double squaredDistance(double[] a, double[] b) {
        double sq = 0;
        for (int j = 0; j < a.length; j++) {
            double diff = a[j] - b[j];
            sq += diff * diff;
        }
        return sq;
    }

    /**
     * The h of the grid under which the odd-indexed points are likeliest under the density of the
     * even-indexed ones, scaled from that half to all n points by Scott's rate.
     */
    private static double bandwidth(double[][] points) {
        int d = points[0].length;
        double[][][] halves = alternate(points);
        double[][] fit = halves[0];
        double[][] held = halves[1];
        int half = fit.length;
        double[][] squared = new double[held.length][fit.length];
        for (int b = 0; b < held.length; b++) {
            for (int a = 0; a < fit.length; a++) {
                squared[b][a] = squaredDistance(held[b], fit[a]);
            }
        }
        double best = Double.NEGATIVE_INFINITY;
        double bestH = 1;
        for (int g = 0; g < GRID; g++) {
            double h =
                    MIN_BANDWIDTH
                            * Math.pow(MAX_BANDWIDTH / MIN_BANDWIDTH, g / (double) (GRID - 1));
            double total = 0;
            for (double[] distances : squared) {
                total += logMeanKernel(distances, h, d);
            }
            if (total > best) {
                best = total;
                bestH = h;
            }
        }
        return bestH * Math.pow((double) half / points.length, 1.0 / (d + 4));
    }

    /** The even-indexed and the odd-indexed rows, in order. */
    static double[][][] alternate(double[][] rows) {
        double[][] even = new double[(rows.length + 1) / 2][];
        double[][] odd = new double[rows.length / 2][];
        for (int i = 0; i < rows.length; i++) {
            (i % 2 == 0 ? even : odd)[i / 2] = rows[i];
        }
        return new double[][][] {even, odd};
    }

    private static double[] standardise(double[] v, double[] center, double[] scale) {
        double[] out = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            out[j] = (v[j] - center[j]) / scale[j];
        }
        return out;
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    /** The standard deviation where more than half of the values are equal, else 1. */
    private static double fallbackScale(double[] x) {
        double mean = Arrays.stream(x).average().orElse(0);
        double sd =
                Math.sqrt(Arrays.stream(x).map(v -> (v - mean) * (v - mean)).sum() / (x.length - 1));
        return sd > 0 ? sd : 1;
    }
}
