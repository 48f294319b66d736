package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

import dev.flowwatch.flowpp.nn.Tensors;

/**
 * Maps dequantized data v ∈ (0, 1) to the real line: y = logit(α/2 + (1 − α)·v). The squeeze by (1
 * − α) keeps the logit away from ±∞ at the pixel values 0 and 255 (RealNVP; Flow++ uses α = 0.1 in
 * the form "bound 0.9").
 *
 * <p>log|dy/dv| = log(1 − α) − log p − log(1 − p) with p the squeezed value; written through
 * softplus of y so that it stays finite where p rounds to 0 or 1.
 */
public final class LogitTransform implements Flow {

    private final double alpha;

    public LogitTransform(double alpha) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("logit alpha must be in (0, 1), got " + alpha);
        }
        this.alpha = alpha;
    }

    @Override
    public FlowResult forward(NDArray v, FlowContext context) {
        NDArray p = Tensors.add(Tensors.mul(v, 1 - alpha), alpha / 2);
        NDArray y = p.log().sub(Tensors.rsub(p, 1).log());
        return new FlowResult(y, Tensors.sumPerExample(elementLogDet(y)));
    }

    @Override
    public FlowResult inverse(NDArray y, FlowContext context) {
        NDArray v = Tensors.div(Tensors.sub(Activation.sigmoid(y), alpha / 2), 1 - alpha);
        return new FlowResult(v, Tensors.sumPerExample(elementLogDet(y)).neg());
    }

    // −log p − log(1 − p) = softplus(y) + softplus(−y) for p = σ(y)
    private NDArray elementLogDet(NDArray y) {
        return Tensors.add(Tensors.logisticNegLogDensity(y), Math.log(1 - alpha));
    }
}
