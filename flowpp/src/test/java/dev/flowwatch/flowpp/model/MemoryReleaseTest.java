package dev.flowwatch.flowpp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import dev.flowwatch.flowpp.flow.FlowContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * The per-layer scopes: what a pass leaves alive does not grow with the depth of the model, and
 * training leaves nothing behind from step to step, nor scoring from batch to batch.
 */
class MemoryReleaseTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(21);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private FlowPlusPlus model(int blocks) {
        FlowPlusPlus model =
                new FlowPlusPlus(
                        FlowConfig.presetBuilder("tiny", 1, 8, 8)
                                .setLevels(List.of(new Level(2, 2, 2), new Level(2, 0, 2)))
                                .setBlocks(blocks)
                                .optDropout(0.1f)
                                .setDequantizerBlocks(blocks)
                                .optSeed(3)
                                .optCheckerboard(Checkerboard.PACKED)
                                .build());
        model.initialize(manager, DataType.FLOAT32);
        return model;
    }

    private NDArray pixels(int n) {
        return manager.randomInteger(0, 256, new Shape(n, 1, 8, 8), DataType.INT32)
                .toType(DataType.FLOAT32, false);
    }

    /** Arrays alive in the manager at the end of a forward pass, before its scope closes. */
    private int aliveAfterForward(FlowPlusPlus model, NDArray x, boolean training) {
        int before = manager.getManagedArrays().size();
        try (NDScope scope = new NDScope();
                GradientCollector collector =
                        training ? Engine.getInstance().newGradientCollector() : null) {
            scope.suppressNotUsedWarning();
            NDArray elbo = model.elbo(x, training ? FlowContext.fitting() : FlowContext.inference());
            assertTrue(Double.isFinite(elbo.sum().getFloat()));
            return manager.getManagedArrays().size() - before;
        }
    }

    @Test
    void arraysAliveAfterAPassDoNotGrowWithTheNumberOfBlocks() {
        NDArray x = pixels(3);
        FlowPlusPlus shallow = model(1);
        FlowPlusPlus deep = model(6);
        int shallowInference = aliveAfterForward(shallow, x, false);
        int deepInference = aliveAfterForward(deep, x, false);
        int shallowTraining = aliveAfterForward(shallow, x, true);
        int deepTraining = aliveAfterForward(deep, x, true);
        // without the per-layer scopes every op of every block stays: 5 more blocks in each of 11
        // networks would add thousands of arrays
        assertEquals(shallowInference, deepInference, "inference");
        assertEquals(shallowTraining, deepTraining, "training");
        assertTrue(deepInference < 200, "alive after inference: " + deepInference);
    }

    @Test
    void trainingStepsLeaveNoArraysBehind() {
        FlowPlusPlus model = model(1);
        NDArray x = pixels(4);
        List<NDArray> weights = new java.util.ArrayList<>();
        model.getParameters().values().forEach(p -> weights.add(p.getArray()));
        weights.forEach(w -> w.setRequiresGradient(true));
        int[] counts = new int[30];
        for (int step = 0; step < counts.length; step++) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(model.elbo(x, FlowContext.fitting()).mean().neg());
                }
                for (NDArray w : weights) {
                    w.subi(w.getGradient().mul(1e-4));
                }
            }
            counts[step] = manager.getManagedArrays().size();
        }
        assertEquals(counts[1], counts[counts.length - 1], "managed arrays after step 2 and 30");
    }

    @Test
    void scoringBatchesLeaveNoArraysBehind() {
        LikelihoodScorer scorer = new LikelihoodScorer(model(1), manager, 5);
        float[] images = new float[4 * 64];
        for (int i = 0; i < images.length; i++) {
            images[i] = (i * 37) % 256;
        }
        for (int iwSamples : new int[] {0, 3}) {
            int[] counts = new int[20];
            for (int batch = 0; batch < counts.length; batch++) {
                scorer.score(images, 4, iwSamples);
                counts[batch] = manager.getManagedArrays().size();
            }
            assertEquals(
                    counts[1],
                    counts[counts.length - 1],
                    "managed arrays after batch 2 and 20, K = " + iwSamples);
        }
    }
}
