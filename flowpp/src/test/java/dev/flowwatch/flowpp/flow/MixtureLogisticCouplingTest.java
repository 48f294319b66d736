package dev.flowwatch.flowpp.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import dev.flowwatch.flowpp.nn.CouplingNetwork;
import dev.flowwatch.flowpp.nn.Tensors;

import org.junit.jupiter.api.Test;

class MixtureLogisticCouplingTest {

    /**
     * A fresh coupling's network ends in a zero map, so its K components are the same standard
     * logistic, its affine part the identity, and the whole coupling the identity: logit(F(x)) = x
     * and log dy/dx = 0. In float32, σ(x) rounds to 1 from x ≈ 17 and to 0 below −88, so only the
     * log-space computation can return x and 0 out to ±100; with every component tied, the
     * log-sum-exps' maxima are tied too, and the gradient must still be exactly the identity's.
     */
    @Test
    void aFreshCouplingIsTheIdentityWhereItsCdfSaturatesInFloat32() {
        Engine.getInstance().setRandomSeed(3);
        try (NDManager manager = NDManager.newBaseManager()) {
            MixtureLogisticCoupling coupling =
                    new MixtureLogisticCoupling(
                            new ChannelPartition(0),
                            2,
                            0,
                            2,
                            4,
                            new CouplingNetwork.Spec(8, 1, 4, 2, 0f));
            Shape shape = new Shape(1, 2, 2, 4);
            coupling.initialize(manager, DataType.FLOAT32, shape);
            double[] values = {
                0.3,
                -1.2,
                0.8,
                2.0,
                -0.4,
                1.1,
                0.0,
                -2.2, // conditioning channel
                -100,
                -60,
                -30,
                -5,
                5,
                30,
                60,
                100 // transformed channel
            };
            NDArray x = manager.create(values, shape).toType(DataType.FLOAT32, false);
            x.setRequiresGradient(true);
            FlowResult result;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                result = coupling.forward(x, FlowContext.inference());
                collector.backward(result.output().sum());
            }
            double[] y = Tensors.toDoubles(result.output());
            double[] gradient = Tensors.toDoubles(x.getGradient());
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], y[i], 1e-5 * Math.max(1, Math.abs(values[i])), "y " + i);
                assertEquals(1, gradient[i], 1e-5, "dy/dx " + i);
            }
            assertEquals(0, Tensors.scalar(result.logDet()), 1e-4);
        }
    }
}
