package dev.flowwatch.flowpp.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import java.util.Random;

class ChannelLayerNormTest {

    /** (x − mean) / sqrt(var + 1e-5) · γ + β over the channels of each position, in doubles. */
    @Test
    void normalisesTheChannelsOfEachPositionWithItsScaleAndShift() {
        int n = 2, c = 5, h = 3, w = 4;
        Random random = new Random(11);
        float[] x = new float[n * c * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (3 + 2 * random.nextGaussian());
        }
        float[] gamma = {0.5f, 1f, 1.5f, -2f, 3f};
        float[] beta = {0f, 0.1f, -0.2f, 0.3f, 1f};
        try (NDManager manager = NDManager.newBaseManager()) {
            ChannelLayerNorm norm = new ChannelLayerNorm(c);
            norm.initialize(manager, DataType.FLOAT32, new Shape(n, c, h, w));
            norm.getParameters().get("gamma").getArray().set(gamma);
            norm.getParameters().get("beta").getArray().set(beta);

            float[] y = norm.apply(manager.create(x, new Shape(n, c, h, w))).toFloatArray();

            for (int b = 0; b < n; b++) {
                for (int p = 0; p < h * w; p++) {
                    double mean = 0, square = 0;
                    for (int k = 0; k < c; k++) {
                        mean += x[index(b, k, p, c, h * w)] / (double) c;
                    }
                    for (int k = 0; k < c; k++) {
                        double d = x[index(b, k, p, c, h * w)] - mean;
                        square += d * d / c;
                    }
                    for (int k = 0; k < c; k++) {
                        int i = index(b, k, p, c, h * w);
                        double expected =
                                (x[i] - mean) / Math.sqrt(square + 1e-5) * gamma[k] + beta[k];
                        assertEquals(expected, y[i], 2e-5, "at " + b + "," + k + "," + p);
                    }
                }
            }
        }
    }

    private static int index(int b, int k, int p, int c, int positions) {
        return (b * c + k) * positions + p;
    }
}
