package dev.flowwatch.flowpp.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

class ScopesTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void temporariesAreClosedAndOutputsOutliveTheNestedScope() {
        NDArray x = manager.create(new double[] {1, 2, 3});
        AtomicReference<NDArray> temporary = new AtomicReference<>();
        NDArray kept;
        try (NDScope outer = new NDScope()) {
            outer.suppressNotUsedWarning();
            kept =
                    Scopes.retain(
                            () -> {
                                temporary.set(x.mul(2));
                                return temporary.get().add(1);
                            },
                            x);
            assertTrue(temporary.get().isReleased(), "the temporary is freed on return");
            assertFalse(kept.isReleased());
            assertArrayEquals(new double[] {3, 5, 7}, kept.toDoubleArray());
        }
        assertTrue(kept.isReleased(), "the output belongs to the enclosing scope");
        assertFalse(x.isReleased());
    }

    @Test
    void anInputReturnedUnchangedStaysWithItsOwner() {
        NDArray x = manager.create(new double[] {1, 2});
        try (NDScope outer = new NDScope()) {
            outer.suppressNotUsedWarning();
            assertSame(x, Scopes.retain(() -> x, x));
        }
        assertFalse(x.isReleased(), "x was made outside the scope and is not the scope's to close");
    }

    /**
     * Autograd keeps its own reference to every tensor it saved for the backward pass, so closing
     * the Java handle of an intermediate (what the nested scopes do) must not change gradients.
     */
    @Test
    void gradientsSurviveClosedIntermediatesOnThePyTorchEngine() {
        Engine.getInstance().setRandomSeed(11);
        NDArray x = manager.randomNormal(0f, 1f, new Shape(5), DataType.FLOAT64);
        x.setRequiresGradient(true);
        AtomicReference<NDArray> squared = new AtomicReference<>();
        try (NDScope scope = new NDScope();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            scope.suppressNotUsedWarning();
            // sin(x²): backward needs the saved x² (for cos) and x (for 2x)
            NDArray y =
                    Scopes.retain(
                            () -> {
                                squared.set(x.square());
                                return Tensors.mul(squared.get().sin(), 3);
                            },
                            List::of,
                            x);
            assertTrue(squared.get().isReleased());
            collector.backward(y.sum());
        }
        double[] values = x.toDoubleArray();
        double[] gradient = x.getGradient().toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            double expected = 3 * Math.cos(values[i] * values[i]) * 2 * values[i];
            assertTrue(
                    Math.abs(expected - gradient[i]) < 1e-12,
                    "d/dx 3·sin(x²) at " + values[i] + ": " + gradient[i] + " vs " + expected);
        }
    }
}
