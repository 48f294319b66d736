package dev.flowwatch.flowpp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.Test;

import java.util.List;

class ParameterAverageTest {

    /**
     * Failed before: two more handles per weight (sharing the average's storage, so no memory)
     * stayed on their manager until it closed.
     */
    @Test
    void anAverageHoldsOneCopyOfTheWeightsAndNothingElse() {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NDArray> weights =
                    List.of(
                            manager.create(new float[] {1, 2, 3}),
                            manager.create(new float[] {4, 5}));
            weights.forEach(w -> w.setRequiresGradient(true));
            int before = manager.getManagedArrays().size();

            ParameterAverage average = new ParameterAverage(weights, manager, 0.9);

            assertEquals(before + weights.size(), manager.getManagedArrays().size());
            average.update(
                    List.of(
                            manager.create(new float[] {11, 12, 13}),
                            manager.create(new float[] {14, 15})),
                    1000);
            average.swapInto(weights);
            assertArrayEquals(new float[] {2, 3, 4}, weights.get(0).toFloatArray(), 1e-5f);
        }
    }
}
