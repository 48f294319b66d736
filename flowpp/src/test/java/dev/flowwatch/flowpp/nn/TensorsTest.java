package dev.flowwatch.flowpp.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
}
