package dev.flowwatch.flowpp.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

import dev.flowwatch.flowpp.flow.FlowChecks;
import dev.flowwatch.flowpp.flow.FlowContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

/**
 * Bounded passes compute what whole-batch passes compute: chunking is a memory setting only. The
 * noise and prior draws are made for the whole batch, so the same seed gives the same numbers.
 */
class ChunkedPassesTest {

    private static final double TOLERANCE = 1e-4;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private FlowPlusPlus freshModel() {
        FlowPlusPlus model =
                new FlowPlusPlus(FlowConfig.presetBuilder("tiny", 1, 8, 8).optSeed(4).build());
        model.initialize(manager, DataType.FLOAT32);
        return model;
    }

    /** A fresh model whose couplings are not the identity, so that chunks' networks count. */
    private FlowPlusPlus perturbedModel() {
        FlowPlusPlus model = freshModel();
        FlowChecks.perturb(model, manager, 4);
        return model;
    }

    private NDArray pixels(int n) {
        Engine.getInstance().setRandomSeed(9);
        return manager.randomInteger(0, 256, new Shape(n, 1, 8, 8), DataType.INT32)
                .toType(DataType.FLOAT32, false);
    }

    @Test
    void chunkedDataInitSetsTheSameParametersAsOnePass() {
        FlowPlusPlus whole = perturbedModel();
        FlowPlusPlus chunked = perturbedModel();
        NDArray x = pixels(10);
        Engine.getInstance().setRandomSeed(1);
        whole.initializeFromData(x, 0);
        Engine.getInstance().setRandomSeed(1);
        chunked.initializeFromData(x, 3);
        for (var entry : whole.getParameters()) {
            Parameter other = chunked.getParameters().get(entry.getKey());
            assertArrayEquals(
                    entry.getValue().getArray().toFloatArray(),
                    other.getArray().toFloatArray(),
                    (float) TOLERANCE,
                    entry.getKey());
        }
    }

    @Test
    void chunkedImportanceWeightedBoundEqualsTheWholeBatchOne() {
        FlowPlusPlus model = perturbedModel();
        NDArray x = pixels(7);
        model.initializeFromData(x, 0);
        Engine.getInstance().setRandomSeed(2);
        double[] whole = doubles(model.importanceWeightedBound(x, 4, FlowContext.inference()));
        Engine.getInstance().setRandomSeed(2);
        double[] chunked =
                doubles(
                        model.importanceWeightedBound(
                                x, 4, FlowContext.inference().withChunkSize(2)));
        assertArrayEquals(whole, chunked, TOLERANCE * 100);
        assertTrue(Arrays.stream(whole).allMatch(Double::isFinite), Arrays.toString(whole));
        FlowPlusPlus identity = freshModel();
        identity.initializeFromData(x, 0);
        Engine.getInstance().setRandomSeed(2);
        double[] ofIdentity =
                doubles(identity.importanceWeightedBound(x, 4, FlowContext.inference()));
        assertTrue(
                Math.abs(whole[0] - ofIdentity[0]) > 1,
                "the couplings count: " + whole[0] + " vs " + ofIdentity[0]);
    }

    @Test
    void chunkedSamplingDrawsTheSameImages() {
        FlowPlusPlus model = perturbedModel();
        model.initializeFromData(pixels(8), 0);
        Engine.getInstance().setRandomSeed(3);
        double[] whole = doubles(model.sample(manager, 6, 0.8, FlowContext.inference()));
        Engine.getInstance().setRandomSeed(3);
        double[] chunked =
                doubles(model.sample(manager, 6, 0.8, FlowContext.inference().withChunkSize(4)));
        // quantised pixels: a bisection result on a bin edge may round to the neighbouring level
        int differing = 0;
        double largest = 0;
        for (int i = 0; i < whole.length; i++) {
            largest = Math.max(largest, Math.abs(whole[i] - chunked[i]));
            differing += whole[i] == chunked[i] ? 0 : 1;
        }
        assertTrue(largest <= 1, "a pixel differs by " + largest + " levels");
        assertTrue(differing <= whole.length / 100, differing + " of " + whole.length + " differ");
    }

    private static double[] doubles(NDArray x) {
        return x.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
