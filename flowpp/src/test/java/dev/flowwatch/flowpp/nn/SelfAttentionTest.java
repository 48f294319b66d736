package dev.flowwatch.flowpp.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;

import dev.flowwatch.flowpp.train.Weights;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

class SelfAttentionTest {

    private static final int N = 3, CHANNELS = 12, H = 5, W = 6;

    /** softmax(qᵀk/√d)·v per image and head, in doubles, against the fused operator. */
    @Test
    void fusedOperatorAttendsAsSoftmaxOfScaledDotProducts() {
        int n = 2, heads = 3, d = 4, positions = 10;
        float[] qkv = gaussian(n * 3 * heads * d * positions, 5, 1.5);
        try (NDManager manager = NDManager.newBaseManager()) {
            assertTrue(FusedAttention.available(), "the bundled module loads in DJL's libtorch");
            float[] out =
                    FusedAttention.attend(manager.create(qkv, new Shape(n, 3, heads, d, positions)))
                            .toFloatArray();
            assertEquals(n * heads * d * positions, out.length);
            for (int b = 0; b < n; b++) {
                for (int head = 0; head < heads; head++) {
                    for (int i = 0; i < positions; i++) {
                        double[] weights = new double[positions];
                        double max = Double.NEGATIVE_INFINITY, sum = 0;
                        for (int j = 0; j < positions; j++) {
                            for (int c = 0; c < d; c++) {
                                weights[j] +=
                                        qkv[at(b, 0, head, c, i, heads, d, positions)]
                                                * (double)
                                                        qkv[
                                                                at(
                                                                        b, 1, head, c, j, heads, d,
                                                                        positions)];
                            }
                            weights[j] /= Math.sqrt(d);
                            max = Math.max(max, weights[j]);
                        }
                        for (int j = 0; j < positions; j++) {
                            weights[j] = Math.exp(weights[j] - max);
                            sum += weights[j];
                        }
                        for (int c = 0; c < d; c++) {
                            double expected = 0;
                            for (int j = 0; j < positions; j++) {
                                expected +=
                                        weights[j]
                                                / sum
                                                * qkv[at(b, 2, head, c, j, heads, d, positions)];
                            }
                            int index = ((b * heads + head) * d + c) * positions + i;
                            assertEquals(
                                    expected,
                                    out[index],
                                    1e-5,
                                    "at " + b + "," + head + "," + c + "," + i);
                        }
                    }
                }
            }
        }
    }

    /** Scoring's fused attention and the explicit one give the layer the same output. */
    @Test
    void fusedAndExplicitAttentionGiveTheSameOutput() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SelfAttention attention = layer(manager);
            NDArray x = input(manager);

            float[] fused = attention.apply(x, false, true).toFloatArray();
            float[] explicit = attention.apply(x, false, false).toFloatArray();

            assertArrayEquals(explicit, fused, 2e-5f);
        }
    }

    /** Training without dropout attends fused: its gradients are the explicit attention's. */
    @Test
    void fusedAttentionBackPropagatesTheExplicitGradients() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SelfAttention attention = layer(manager);
            List<NDArray> weights = Weights.trainable(attention);
            NDArray x = input(manager);
            x.setRequiresGradient(true);
            NDArray projection = manager.create(gaussian((int) x.size(), 17, 1), x.getShape());

            List<float[]> fused = gradients(attention, x, projection, weights, true);
            List<float[]> explicit = gradients(attention, x, projection, weights, false);

            assertEquals(weights.size() + 1, fused.size());
            for (int i = 0; i < fused.size(); i++) {
                float[] e = explicit.get(i);
                double norm = 0;
                for (float v : e) {
                    norm += v * (double) v;
                }
                assertTrue(norm > 1e-6, "gradient " + i + " is zero");
                assertArrayEquals(e, fused.get(i), 1e-4f, "gradient " + i);
            }
        }
    }

    /** d(Σ projection·layer(x))/d(weights, x), from zero, through one kind of attention. */
    private static List<float[]> gradients(
            SelfAttention attention,
            NDArray x,
            NDArray projection,
            List<NDArray> weights,
            boolean fused) {
        List<NDArray> arrays = new ArrayList<>(weights);
        arrays.add(x);
        Weights.zeroGradients(arrays.stream().map(NDArray::getGradient).toList());
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(attention.apply(x, true, fused).mul(projection).sum());
        }
        return arrays.stream().map(a -> a.getGradient().toFloatArray()).toList();
    }

    /** A dropout-free layer whose every weight, the positions' included, has a visible say. */
    private static SelfAttention layer(NDManager manager) {
        SelfAttention attention = new SelfAttention(CHANNELS, 4, H, W, 0f);
        attention.initialize(manager, DataType.FLOAT32, new Shape(N, CHANNELS, H, W));
        Random random = new Random(3);
        for (Pair<String, Parameter> p : attention.getParameters()) {
            NDArray array = p.getValue().getArray();
            array.set(gaussian((int) array.size(), random.nextInt(), 0.5));
        }
        return attention;
    }

    private static NDArray input(NDManager manager) {
        return manager.create(gaussian(N * CHANNELS * H * W, 9, 2), new Shape(N, CHANNELS, H, W));
    }

    private static int at(
            int b, int part, int head, int c, int position, int heads, int d, int positions) {
        return (((b * 3 + part) * heads + head) * d + c) * positions + position;
    }

    private static float[] gaussian(int size, long seed, double scale) {
        Random random = new Random(seed);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (scale * random.nextGaussian());
        }
        return values;
    }
}
