package dev.flowwatch.flowpp.score;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.stream.IntStream;

/**
 * The directions along which a set of vectors varies most (principal component analysis): vectors
 * are compared by their coordinates along these axes only, as {@link NearestNormals} compares shape
 * descriptors.
 *
 * <p>The axes are the eigenvectors of the vectors' covariance with the largest eigenvalues, in
 * decreasing order of the variance they carry, so a sum over the coordinates in order gathers most
 * of a distance early. The mean and the axes are stored as 32-bit floats and always used as stored,
 * so a state read back projects exactly as the one written.
 */
public final class PrincipalAxes {

    /** The covariance is estimated on at most this many vectors, evenly spread over the set. */
    static final int SAMPLE = 10_000;

    /**
     * As stored in a calibration.
     *
     * @param inputs length of the vectors projected
     * @param outputs number of axes
     * @param mean base64 of the mean vector, {@code inputs} little-endian 32-bit floats
     * @param axes base64 of the unit axes, axis after axis by decreasing variance, each {@code
     *     inputs} little-endian 32-bit floats
     */
    public record State(int inputs, int outputs, String mean, String axes) {}

    private final State state;
    private final float[] mean;
    private final float[] axes;

    private PrincipalAxes(State state, float[] mean, float[] axes) {
        this.state = state;
        this.mean = mean;
        this.axes = axes;
    }

    /**
     * The {@code outputs} principal axes of these vectors, or as many as they have coordinates.
     *
     * @throws IllegalArgumentException when there are no vectors, their lengths differ, a
     *     coordinate is not finite, or {@code outputs} is not positive
     */
    public static PrincipalAxes fit(float[][] vectors, int outputs) {
        if (vectors.length == 0 || outputs <= 0) {
            throw new IllegalArgumentException(
                    "principal axes need vectors and a positive number of axes");
        }
        int d = vectors[0].length;
        for (float[] v : vectors) {
            if (v.length != d) {
                throw new IllegalArgumentException(
                        "vectors of %d and %d coordinates".formatted(d, v.length));
            }
            for (float x : v) {
                if (!Float.isFinite(x)) {
                    throw new IllegalArgumentException("a coordinate that is not finite: " + x);
                }
            }
        }
        int n = Math.min(SAMPLE, vectors.length);
        int[] sample =
                IntStream.range(0, n).map(i -> (int) ((long) i * vectors.length / n)).toArray();
        double[] mean = new double[d];
        for (int s : sample) {
            for (int i = 0; i < d; i++) {
                mean[i] += vectors[s][i];
            }
        }
        for (int i = 0; i < d; i++) {
            mean[i] /= n;
        }
        double[][] covariance = covariance(vectors, sample, mean);
        // The covariance is symmetric and positive semi-definite, so its singular vectors are its
        // eigenvectors and its singular values, in decreasing order, the variances along them.
        // EigenDecomposition fails to converge on some rank-deficient covariances (fewer vectors
        // than coordinates, or constant coordinates), which the singular value decomposition
        // handles.
        RealMatrix v =
                new SingularValueDecomposition(new Array2DRowRealMatrix(covariance, false)).getV();
        int count = Math.min(outputs, d);
        float[] axes = new float[count * d];
        for (int a = 0; a < count; a++) {
            for (int i = 0; i < d; i++) {
                axes[a * d + i] = (float) v.getEntry(i, a);
            }
        }
        float[] meanFloats = new float[d];
        for (int i = 0; i < d; i++) {
            meanFloats[i] = (float) mean[i];
        }
        return of(new State(d, count, encode(meanFloats), encode(axes)));
    }

    /** The covariance of the {@code sample} of the vectors, whose mean is {@code mean}. */
    private static double[][] covariance(float[][] vectors, int[] sample, double[] mean) {
        int d = mean.length;
        double[][] covariance = new double[d][d];
        double[] centred = new double[d];
        for (int s : sample) {
            for (int i = 0; i < d; i++) {
                centred[i] = vectors[s][i] - mean[i];
            }
            // the upper triangle only, mirrored below at the end
            for (int i = 0; i < d; i++) {
                double ci = centred[i];
                double[] row = covariance[i];
                for (int j = i; j < d; j++) {
                    row[j] += ci * centred[j];
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                covariance[i][j] /= sample.length;
                covariance[j][i] = covariance[i][j];
            }
        }
        return covariance;
    }

    /**
     * The axes stored as {@code state}.
     *
     * @throws IllegalArgumentException when the state is inconsistent
     */
    public static PrincipalAxes of(State state) {
        if (state.inputs() <= 0 || state.outputs() <= 0 || state.outputs() > state.inputs()) {
            throw new IllegalArgumentException(
                    "%d axes of %d coordinates".formatted(state.outputs(), state.inputs()));
        }
        float[] mean = decode(state.mean(), state.inputs(), "mean");
        float[] axes = decode(state.axes(), state.outputs() * state.inputs(), "axes");
        return new PrincipalAxes(state, mean, axes);
    }

    public State state() {
        return state;
    }

    /** Number of coordinates of a projection. */
    public int outputs() {
        return state.outputs();
    }

    /**
     * The coordinates of {@code vector}, less the mean, along each axis.
     *
     * @throws IllegalArgumentException when its length is not the fitted vectors'
     */
    public float[] project(float[] vector) {
        int d = state.inputs();
        if (vector.length != d) {
            throw new IllegalArgumentException(
                    "a vector of %d coordinates, the axes have %d".formatted(vector.length, d));
        }
        float[] centred = new float[d];
        for (int i = 0; i < d; i++) {
            centred[i] = vector[i] - mean[i];
        }
        float[] coordinates = new float[state.outputs()];
        for (int a = 0; a < coordinates.length; a++) {
            float sum = 0;
            for (int i = 0, at = a * d; i < d; i++, at++) {
                sum += centred[i] * axes[at];
            }
            coordinates[a] = sum;
        }
        return coordinates;
    }

    private static String encode(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    private static float[] decode(String base64, int count, String what) {
        byte[] bytes;
        try {
            bytes = base64 == null ? new byte[0] : Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException notBase64) {
            throw new IllegalArgumentException(what + ": " + notBase64.getMessage());
        }
        if (bytes.length != 4L * count) {
            throw new IllegalArgumentException(
                    "%s: %d bytes for %d floats".formatted(what, bytes.length, count));
        }
        float[] values = new float[count];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        if (!IntStream.range(0, count).allMatch(i -> Float.isFinite(values[i]))) {
            throw new IllegalArgumentException(what + ": a value that is not finite");
        }
        return values;
    }
}
