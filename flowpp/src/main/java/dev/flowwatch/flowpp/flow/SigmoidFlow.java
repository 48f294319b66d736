package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

import dev.flowwatch.flowpp.nn.Tensors;

/**
 * u = σ(x): the last step of the variational dequantizer, mapping its noise into (0, 1). log|du/dx|
 * = log σ(x) + log σ(−x).
 */
public final class SigmoidFlow implements Flow {

    @Override
    public FlowResult forward(NDArray x, FlowContext context) {
        return new FlowResult(Activation.sigmoid(x), negativeLogDet(x).neg());
    }

    @Override
    public FlowResult inverse(NDArray u, FlowContext context) {
        NDArray x = u.log().sub(Tensors.rsub(u, 1).log());
        return new FlowResult(x, negativeLogDet(x));
    }

    /** −log|du/dx| per example, negated once per example rather than once per element. */
    private static NDArray negativeLogDet(NDArray x) {
        return Tensors.sumPerExample(Tensors.logisticNegLogDensity(x));
    }
}
