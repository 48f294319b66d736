package dev.flowwatch.flowpp.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;

class TensorsTest {

    /**
     * The regression test of the README's old "known issue": with DJL's {@code x.mul(3)} the
     * gradient below is NaN or garbage in every run, because autograd reads the scalar 3 from a
     * Java buffer that the collection has freed.
     */
    @Test
    void constantArithmeticKeepsItsGradientAcrossAGarbageCollection() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new double[] {-1, 0.25, 2});
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray y =
                        Tensors.mul(x, 3).add(Tensors.div(x, 4)).add(Tensors.maximum(x, 0.5)).sum();
                GarbageCollections.collectAndReuseFreedMemory();
                collector.backward(y);
            }
            // d/dx of 3x + x/4 + max(x, 0.5): 3.25, plus 1 where x > 0.5
            assertArrayEquals(
                    new double[] {3.25, 3.25, 4.25}, x.getGradient().toDoubleArray(), 0.0);
        }
    }

    @Test
    void dropoutKeepsEachElementWithTheComplementOfItsRateAndScalesWhatItKeeps() {
        Engine.getInstance().setRandomSeed(7);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.ones(new Shape(100_000));
            x.setRequiresGradient(true);
            float[] out;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray y = Tensors.dropout(x, 0.2f, true);
                out = y.toFloatArray();
                collector.backward(y.sum());
            }
            float[] gradient = x.getGradient().toFloatArray();
            int kept = 0;
            for (int i = 0; i < out.length; i++) {
                assertTrue(out[i] == 0f || out[i] == 1.25f, "0 or 1/(1 - rate): " + out[i]);
                assertEquals(out[i], gradient[i], "the gradient flows where the value does");
                kept += out[i] == 0f ? 0 : 1;
            }
            // 80 000 expected; the binomial's standard deviation is 126
            assertEquals(80_000, kept, 700);
        }
    }

    @Test
    void dropoutIsTheIdentityOutsideTrainingAndAtRateZero() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.arange(10f);
            assertSame(x, Tensors.dropout(x, 0.5f, false));
            assertSame(x, Tensors.dropout(x, 0f, true));
        }
    }
}
