package dev.flowwatch.flowpp.score;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * How much nearer an image's shape lies to a blend of two normal shapes than to the nearest normal
 * shape alone: the <i>blend gain</i> d₁ − d₂, where d₁ is the distance to the nearest reference t
 * ({@link NearestNormals}) and d₂ the distance to the nearest point of a segment [t, c] from t to
 * one of a few <i>prototypes</i> c of the references (k-means centroids). A statistic of {@link
 * ScoreKind#DOSE}, judged by its own null distribution.
 *
 * <p>Why: an image that is the pixel mean of two garments (the benchmark's mixed kind, the one dose
 * caught worst) is far from every single normal shape, but not much farther than an unusual normal
 * garment is; what tells it apart is that it lies between its nearest normal and a garment of
 * another kind, so a step towards that kind's prototype brings it much closer, while a normal image
 * already sits on the normal shapes and gains little. In the numpy replica of the benchmark
 * (README, "Anomaly scores") the gain alone separated mixed garments from normal ones with AUROC
 * 0.921 (the nearest distance: 0.888), and as a fourth part of dose lifted mixed garments from
 * 0.854 to 0.892 while no other kind lost more than 0.003; in the product's benchmark, with 60 000
 * references, it lifted them from 0.866 to 0.903 (41 to 55 % flagged at α = 1 %), no other kind
 * losing more than 0.004. Partners among all 24 000 references instead of 64 prototypes gave less
 * (0.880 as a part), partners among the 256 nearest much less (0.832 alone: the partner is a
 * garment of another class, far away), and 256 or 1024 prototypes less than 64 (0.886, 0.879).
 *
 * <p>The prototypes are found by Lloyd's k-means from a k-means++ start (Arthur and Vassilvitskii,
 * SODA 2007) under a fixed seed, so a calibration is reproducible; they are stored as the
 * references are ({@link FixedPoint}, at the references' step: a mean of references lies within
 * their range) and used as stored.
 */
public final class BlendedNormals {

    /** Prototypes of a calibration when none are asked for by number. */
    public static final int DEFAULT_PROTOTYPES = 64;

    private static final int ITERATIONS = 20;
    private static final long SEED = 1;

    /**
     * As stored in a calibration.
     *
     * @param count number of prototypes
     * @param dimensions coordinates of each, those of the shape references along their axes
     * @param step the value of one unit of the stored coordinates
     * @param prototypes base64 of the prototypes' coordinates, each round(v / step) as a signed
     *     little-endian 16-bit integer, prototype after prototype
     */
    public record State(int count, int dimensions, double step, String prototypes) {}

    private final State state;
    private final float[][] prototypes;

    private BlendedNormals(State state, float[][] prototypes) {
        this.state = state;
        this.prototypes = prototypes;
    }

    /**
     * {@code count} prototypes of the references of {@code shapes}, or every reference as one when
     * there are no more of them.
     *
     * @throws IllegalArgumentException when {@code count} is not positive
     */
    public static BlendedNormals fit(NearestNormals shapes, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("blend prototypes: " + count + ", not positive");
        }
        float[][] references = shapes.references();
        float[][] centroids = references.length <= count ? references : kMeans(references, count);
        double step = shapes.state().step();
        return of(
                new State(
                        centroids.length,
                        shapes.dimensions(),
                        step,
                        FixedPoint.encode(centroids, step)));
    }

    /**
     * The prototypes stored as {@code state}.
     *
     * @throws IllegalArgumentException when the state is inconsistent
     */
    public static BlendedNormals of(State state) {
        if (state.count() <= 0 || state.dimensions() <= 0) {
            throw new IllegalArgumentException(
                    "%d blend prototypes of %d coordinates"
                            .formatted(state.count(), state.dimensions()));
        }
        int d = state.dimensions();
        float[] values =
                FixedPoint.decode(
                        state.prototypes(), state.step(), state.count() * d, "blend prototypes");
        float[][] prototypes = new float[state.count()][];
        for (int p = 0; p < prototypes.length; p++) {
            prototypes[p] = Arrays.copyOfRange(values, p * d, (p + 1) * d);
        }
        return new BlendedNormals(state, prototypes);
    }

    public State state() {
        return state;
    }

    /**
     * The blend gain of an image whose nearest reference is {@code nearest}: how much nearer the
     * nearest segment from that reference to a prototype lies than the reference itself, never
     * negative.
     *
     * @throws IllegalArgumentException when the coordinates are not as many as the prototypes'
     */
    public double gain(NearestNormals.Nearest nearest) {
        float[] q = nearest.query();
        float[] t = nearest.reference();
        int d = state.dimensions();
        if (q.length != d || t.length != d) {
            throw new IllegalArgumentException(
                    "coordinates of %d and %d for prototypes of %d"
                            .formatted(q.length, t.length, d));
        }
        double[] r = new double[d];
        double rr = 0;
        for (int i = 0; i < d; i++) {
            r[i] = q[i] - t[i];
            rr += r[i] * r[i];
        }
        // along u = c − t the squared distance from q to t + λu is rr − 2λ(r·u) + λ²(u·u), least
        // at λ = (r·u)/(u·u), clipped to the segment
        double least = rr;
        for (float[] c : prototypes) {
            double ru = 0;
            double uu = 0;
            for (int i = 0; i < d; i++) {
                double u = c[i] - t[i];
                ru += r[i] * u;
                uu += u * u;
            }
            if (ru > 0 && uu > 0) {
                double lambda = Math.min(1, ru / uu);
                least = Math.min(least, rr - 2 * lambda * ru + lambda * lambda * uu);
            }
        }
        return Math.sqrt(rr) - Math.sqrt(Math.max(least, 0));
    }

    /**
     * {@code count} centroids of the points: k-means++ seeding, then {@value #ITERATIONS} rounds of
     * Lloyd's algorithm; a centroid left without points stays where it was.
     */
    private static float[][] kMeans(float[][] points, int count) {
        SplittableRandom random = new SplittableRandom(SEED);
        int d = points[0].length;
        double[][] centroids = new double[count][];
        double[] nearest = new double[points.length];
        Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        centroids[0] = toDouble(points[random.nextInt(points.length)]);
        for (int k = 1; k < count; k++) {
            double[] last = centroids[k - 1];
            double total = 0;
            for (int p = 0; p < points.length; p++) {
                nearest[p] = Math.min(nearest[p], squared(points[p], last));
                total += nearest[p];
            }
            // the next seed is a point drawn with probability proportional to its squared
            // distance to the nearest seed so far
            double target = random.nextDouble() * total;
            int chosen = points.length - 1;
            for (int p = 0; p < points.length; p++) {
                target -= nearest[p];
                if (target < 0) {
                    chosen = p;
                    break;
                }
            }
            centroids[k] = toDouble(points[chosen]);
        }
        int[] assignment = new int[points.length];
        for (int round = 0; round < ITERATIONS; round++) {
            double[][] frozen = centroids;
            IntStream.range(0, points.length)
                    .parallel()
                    .forEach(p -> assignment[p] = nearestCentroid(points[p], frozen));
            double[][] sums = new double[count][d];
            int[] members = new int[count];
            for (int p = 0; p < points.length; p++) {
                members[assignment[p]]++;
                for (int i = 0; i < d; i++) {
                    sums[assignment[p]][i] += points[p][i];
                }
            }
            double[][] next = new double[count][];
            for (int k = 0; k < count; k++) {
                if (members[k] == 0) {
                    next[k] = centroids[k];
                } else {
                    next[k] = sums[k];
                    for (int i = 0; i < d; i++) {
                        next[k][i] /= members[k];
                    }
                }
            }
            centroids = next;
        }
        float[][] result = new float[count][d];
        for (int k = 0; k < count; k++) {
            for (int i = 0; i < d; i++) {
                result[k][i] = (float) centroids[k][i];
            }
        }
        return result;
    }

    private static int nearestCentroid(float[] point, double[][] centroids) {
        int best = 0;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int k = 0; k < centroids.length; k++) {
            double s = squared(point, centroids[k]);
            if (s < bestDistance) {
                bestDistance = s;
                best = k;
            }
        }
        return best;
    }

    private static double squared(float[] point, double[] centroid) {
        double s = 0;
        for (int i = 0; i < point.length; i++) {
            double e = point[i] - centroid[i];
            s += e * e;
        }
        return s;
    }

    private static double[] toDouble(float[] point) {
        double[] v = new double[point.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = point[i];
        }
        return v;
    }
}
