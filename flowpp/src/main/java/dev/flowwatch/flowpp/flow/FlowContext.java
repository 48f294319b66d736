package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;

/**
 * What a flow step needs besides its input.
 *
 * @param conditioning features the step is conditioned on (the image features of the variational
 *     dequantizer), or null for an unconditional flow
 * @param training true while fitting: enables dropout
 * @param dataInit true for the one forward pass that sets data-dependent initial values (ActNorm)
 * @param bisection how inverses without a closed form (the mixture-logistic CDF) are solved
 */
public record FlowContext(
        NDArray conditioning, boolean training, boolean dataInit, Bisection bisection) {

    /** Scoring and sampling: no dropout, default bisection. */
    public static FlowContext inference() {
        return new FlowContext(null, false, false, Bisection.DEFAULT);
    }

    public static FlowContext fitting() {
        return new FlowContext(null, true, false, Bisection.DEFAULT);
    }

    public FlowContext withConditioning(NDArray features) {
        return new FlowContext(features, training, dataInit, bisection);
    }

    public FlowContext withDataInit() {
        return new FlowContext(conditioning, training, true, bisection);
    }

    public FlowContext withBisection(Bisection settings) {
        return new FlowContext(conditioning, training, dataInit, settings);
    }
}
