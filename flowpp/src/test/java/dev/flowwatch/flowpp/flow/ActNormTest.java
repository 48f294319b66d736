package dev.flowwatch.flowpp.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.train.Weights;

import org.junit.jupiter.api.Test;

class ActNormTest {

    private static ActNorm initialised(NDManager manager, int channels) {
        ActNorm norm = new ActNorm(channels);
        norm.initialize(manager, DataType.FLOAT64, new Shape(1, channels, 4, 4));
        return norm;
    }

    @Test
    void dataInitialisationGivesZeroMeanUnitVariancePerChannel() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(29);
            ActNorm norm = initialised(manager, 3);
            NDArray x =
                    manager.randomNormal(5f, 3f, new Shape(64, 3, 4, 4), DataType.FLOAT64)
                            .mul(manager.create(new double[] {1, 10, 0.1}, new Shape(1, 3, 1, 1)));
            NDArray y = norm.forward(x, FlowContext.inference().withDataInit()).output();
            NDArray perChannel = y.transpose(1, 0, 2, 3).reshape(3, -1);
            double[] means = perChannel.mean(new int[] {1}).toDoubleArray();
            double[] variances =
                    perChannel
                            .sub(perChannel.mean(new int[] {1}, true))
                            .square()
                            .mean(new int[] {1})
                            .toDoubleArray();
            for (int c = 0; c < 3; c++) {
                assertEquals(0, means[c], 1e-9, "mean of channel " + c);
                assertEquals(1, variances[c], 1e-4, "variance of channel " + c);
            }
            NDArray again = norm.forward(x, FlowContext.inference()).output();
            assertEquals(
                    0, again.sub(y).abs().max().getDouble(), 1e-12, "initialised once, then fixed");
        }
    }

    @Test
    void aDataInitialisationOfFrozenWeightsIsWhatTheNextPassUses() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(31);
            ActNorm norm = initialised(manager, 2);
            Weights.freeze(norm);
            NDArray x = manager.randomNormal(5f, 3f, new Shape(32, 2, 4, 4), DataType.FLOAT64);
            norm.forward(x, FlowContext.inference());

            NDArray initialised = norm.forward(x, FlowContext.inference().withDataInit()).output();
            NDArray next = norm.forward(x, FlowContext.inference()).output();

            assertEquals(0, next.sub(initialised).abs().max().getDouble(), 1e-12);
            assertEquals(1, next.square().mean().getDouble(), 1e-3, "unit variance, not x again");
        }
    }
}
