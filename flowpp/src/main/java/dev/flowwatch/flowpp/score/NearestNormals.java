package dev.flowwatch.flowpp.score;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Base64;

/**
 * How far an image's {@link ShapeDescriptor} lies from those of normal images: the mean Euclidean
 * distance to its {@value #NEIGHBOURS} nearest among a reference set (deep nearest-neighbour
 * detection, Sun et al., ICML 2022, here on hand-made features since nothing pretrained may be
 * downloaded). A statistic of {@link ScoreKind#DOSE}, judged by its own null distribution.
 *
 * <p>A nearest-neighbour distance makes no assumption about the distribution's shape: normal
 * garments form separate clusters (shoes, shirts, bags), and an image is atypical when it is far
 * from all of them, which no single Gaussian, and no density over a handful of summaries, can say.
 * Five neighbours rather than one: one near-duplicate in the reference set cannot make an image
 * look normal.
 *
 * <p>The reference descriptors are stored in the calibration as 16-bit fixed point (their
 * coordinates lie in 0..1; the step, 1.5·10⁻⁵, is far below any distance that matters), and the
 * distances are always computed from the stored values, so a calibration read back scores exactly
 * as the one written.
 */
public final class NearestNormals {

    static final int NEIGHBOURS = 5;
    private static final double LEVELS = 65535;

    /** Coordinates summed between two checks whether a reference can still be among the nearest. */
    private static final int STRIDE = 32;

    /**
     * The reference set as stored in a calibration.
     *
     * @param dimensions length of each descriptor
     * @param count number of reference descriptors
     * @param descriptors base64 of the descriptors' coordinates, each round(v · 65535) as an
     *     unsigned little-endian 16-bit integer, descriptor after descriptor
     */
    public record State(int dimensions, int count, String descriptors) {}

    private final State state;
    private final float[] references;
    private final int d;
    private final int count;

    private NearestNormals(State state, float[] references) {
        this.state = state;
        this.references = references;
        this.d = state.dimensions();
        this.count = state.count();
    }

    /**
     * The reference set of these descriptors.
     *
     * @throws IllegalArgumentException when there are none, their lengths differ, or a coordinate
     *     lies outside 0..1
     */
    public static NearestNormals fit(float[][] descriptors) {
        if (descriptors.length == 0) {
            throw new IllegalArgumentException("a reference set needs at least one image");
        }
        int d = descriptors[0].length;
        ByteBuffer bytes =
                ByteBuffer.allocate(descriptors.length * d * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] descriptor : descriptors) {
            if (descriptor.length != d) {
                throw new IllegalArgumentException(
                        "descriptors of %d and %d coordinates".formatted(d, descriptor.length));
            }
            for (float v : descriptor) {
                if (!(v >= 0 && v <= 1)) {
                    throw new IllegalArgumentException(
                            "a shape descriptor's coordinates lie in 0..1, got " + v);
                }
                bytes.putShort((short) Math.round(v * LEVELS));
            }
        }
        return of(
                new State(
                        d, descriptors.length, Base64.getEncoder().encodeToString(bytes.array())));
    }

    /**
     * The reference set stored as {@code state}.
     *
     * @throws IllegalArgumentException when the state is inconsistent
     */
    public static NearestNormals of(State state) {
        byte[] bytes;
        try {
            bytes =
                    state.descriptors() == null
                            ? new byte[0]
                            : Base64.getDecoder().decode(state.descriptors());
        } catch (IllegalArgumentException notBase64) {
            throw new IllegalArgumentException("reference descriptors: " + notBase64.getMessage());
        }
        if (state.dimensions() <= 0
                || state.count() <= 0
                || bytes.length != 2L * state.dimensions() * state.count()) {
            throw new IllegalArgumentException(
                    "inconsistent reference set: %d bytes for %d descriptors of %d coordinates"
                            .formatted(bytes.length, state.count(), state.dimensions()));
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] references = new float[state.dimensions() * state.count()];
        for (int i = 0; i < references.length; i++) {
            references[i] = (float) (Short.toUnsignedInt(buffer.getShort()) / LEVELS);
        }
        return new NearestNormals(state, references);
    }

    public State state() {
        return state;
    }

    /**
     * The mean distance from {@code descriptor} to its nearest references, as many as {@value
     * #NEIGHBOURS} or all there are.
     */
    public double distance(float[] descriptor) {
        if (descriptor.length != d) {
            throw new IllegalArgumentException(
                    "a descriptor of %d coordinates, the references have %d"
                            .formatted(descriptor.length, d));
        }
        int k = Math.min(NEIGHBOURS, count);
        double[] nearest = new double[k];
        Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        for (int r = 0; r < count; r++) {
            int offset = r * d;
            float squared = 0;
            // most references are far: stop summing one once it cannot be among the nearest (the
            // sums that finish are the same as without this)
            for (int j = 0; j < d && squared < nearest[k - 1]; j += STRIDE) {
                for (int end = Math.min(d, j + STRIDE), i = j; i < end; i++) {
                    float diff = descriptor[i] - references[offset + i];
                    squared += diff * diff;
                }
            }
            if (squared < nearest[k - 1]) {
                int at = k - 1;
                while (at > 0 && nearest[at - 1] > squared) {
                    nearest[at] = nearest[at - 1];
                    at--;
                }
                nearest[at] = squared;
            }
        }
        double sum = 0;
        for (double squared : nearest) {
            sum += Math.sqrt(squared);
        }
        return sum / k;
    }
}
