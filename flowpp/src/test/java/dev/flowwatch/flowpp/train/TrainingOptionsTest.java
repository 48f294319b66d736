package dev.flowwatch.flowpp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

class TrainingOptionsTest {

    @Test
    void defaultsAreFlowPlusPlusRecipe() {
        TrainingOptions options = TrainingOptions.builder().setBatchSize(16).setEpochs(3).build();
        assertEquals(16, options.batchSize());
        assertEquals(3, options.epochs());
        assertEquals(1e-3, options.learningRate());
        assertEquals(200, options.warmupSteps());
        assertEquals(100, options.maxGradientNorm());
        assertEquals(0.999, options.averageDecay());
        assertEquals(0, options.mutationRate());
        assertEquals(0, options.weightDecay());
        assertEquals(TrainingOptions.DEFAULT_INIT_IMAGES, options.initImages());
    }

    @Test
    void missingBatchSizeIsNamedWithItsSetter() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TrainingOptions.builder().setEpochs(1).build());
        assertEquals("batch size must be >= 1 (setBatchSize)", e.getMessage());
    }

    @Test
    void outOfRangeValueIsRejectedAtBuild() {
        assertEquals("EMA decay must be in [0, 1)", refusal(b -> b.optAverageDecay(1)));
    }

    @Test
    void negativeWeightDecayIsRejectedAtBuild() {
        assertEquals("weight decay must be finite and >= 0", refusal(b -> b.optWeightDecay(-1e-4)));
    }

    /**
     * The message with which a build of otherwise valid options, changed by {@code change}, fails.
     */
    private static String refusal(Consumer<TrainingOptions.Builder> change) {
        TrainingOptions.Builder builder = TrainingOptions.builder().setBatchSize(8).setEpochs(1);
        change.accept(builder);
        return assertThrows(IllegalArgumentException.class, builder::build).getMessage();
    }
}
