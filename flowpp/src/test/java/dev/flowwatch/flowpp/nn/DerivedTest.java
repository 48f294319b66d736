package dev.flowwatch.flowpp.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;

import dev.flowwatch.flowpp.train.Weights;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;

class DerivedTest {

    /** One parameter and the array derived from it, 2·p, counting its computations. */
    private static final class Doubling extends Module {
        final Parameter weight;
        final Derived doubled;
        int computations;

        Doubling(float initial) {
            weight = parameter("w", new Shape(3), new ConstantInitializer(initial));
            doubled =
                    derived(
                            () -> {
                                computations++;
                                return Tensors.mul(value(weight), 2);
                            },
                            weight);
        }
    }

    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    private Doubling module(float initial) {
        Doubling module = new Doubling(initial);
        module.initialize(manager, DataType.FLOAT32);
        return module;
    }

    @Test
    void frozenWeightsDeriveTheirArrayOnceAndItOutlivesTheCallersScopes() {
        Doubling module = module(1);
        Weights.freeze(module);
        NDArray first;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            first = module.doubled.get();
        }
        for (int pass = 0; pass < 3; pass++) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                assertSame(first, module.doubled.get());
            }
        }
        assertFalse(first.isReleased(), "kept past the scopes it was asked for in");
        assertArrayEquals(new float[] {2, 2, 2}, first.toFloatArray());
        assertEquals(1, module.computations);
    }

    @Test
    void weightsRecordingGradientsDeriveAfreshEachPassAndDropWhatWasKept() {
        Doubling module = module(1);
        Weights.freeze(module);
        NDArray kept = module.doubled.get();
        module.weight.getArray().setRequiresGradient(true);

        assertArrayEquals(new float[] {2, 2, 2}, module.doubled.get().toFloatArray());
        assertTrue(kept.isReleased(), "the frozen weights' array is dropped");
        // what an optimizer step does: the same array, new values
        module.weight.getArray().set(new float[] {1, 2, 3});
        assertArrayEquals(new float[] {2, 4, 6}, module.doubled.get().toFloatArray());
        assertEquals(3, module.computations);
    }

    @Test
    void weightsLoadedIntoAParameterAreNoticedByTheirNewArray() throws Exception {
        Doubling module = module(1);
        Weights.freeze(module);
        module.doubled.get();
        Doubling saved = module(5);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        saved.weight.save(new DataOutputStream(bytes));

        module.weight.load(
                manager, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));

        assertArrayEquals(new float[] {10, 10, 10}, module.doubled.get().toFloatArray());
    }

    @Test
    void aWriteInPlaceIntoFrozenWeightsCountsOnceTheWriterSaysSo() {
        Doubling module = module(1);
        Weights.freeze(module);
        NDArray kept = module.doubled.get();
        module.weight.getArray().set(new float[] {1, 2, 3});

        module.doubled.forget();

        assertTrue(kept.isReleased());
        assertArrayEquals(new float[] {2, 4, 6}, module.doubled.get().toFloatArray());
    }
}
