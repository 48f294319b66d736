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
 * @param chunkSize the most examples that a conditioning network sees at once (0: the whole
 *     batch): bounds the memory of passes over many images, such as the data-dependent
 *     initialisation, where the image-shaped tensors between flow steps are small but a network's
 *     hidden activations and attention maps are not. Every example is computed alone, so the
 *     results do not depend on it.
 * @param terms where the pass records the terms of its bound, or null (training, sampling)
 */
public record FlowContext(
        NDArray conditioning,
        boolean training,
        boolean dataInit,
        Bisection bisection,
        int chunkSize,
        TermRecorder terms) {

    public FlowContext {
        if (chunkSize < 0) {
            throw new IllegalArgumentException("chunk size must be >= 0, got " + chunkSize);
        }
    }

    /** Scoring and sampling: no dropout, default bisection, the whole batch at once. */
    public static FlowContext inference() {
        return new FlowContext(null, false, false, Bisection.DEFAULT, 0, null);
    }

    public static FlowContext fitting() {
        return new FlowContext(null, true, false, Bisection.DEFAULT, 0, null);
    }

    public FlowContext withConditioning(NDArray features) {
        return new FlowContext(features, training, dataInit, bisection, chunkSize, terms);
    }

    public FlowContext withDataInit() {
        return new FlowContext(conditioning, training, true, bisection, chunkSize, terms);
    }

    public FlowContext withBisection(Bisection settings) {
        return new FlowContext(conditioning, training, dataInit, settings, chunkSize, terms);
    }

    public FlowContext withChunkSize(int size) {
        return new FlowContext(conditioning, training, dataInit, bisection, size, terms);
    }

    /** Records the terms of the bound into {@code recorder}; conditioning networks never see it. */
    public FlowContext withTerms(TermRecorder recorder) {
        return new FlowContext(conditioning, training, dataInit, bisection, chunkSize, recorder);
    }
}
