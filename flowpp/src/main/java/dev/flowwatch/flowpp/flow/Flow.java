package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;

/**
 * An invertible map between tensors of shape (N, C, H, W) with a tractable Jacobian.
 *
 * <p>{@code forward} maps data towards the latent space and returns the per-example log|det J|;
 * {@code inverse} maps back and returns the log-determinant of the inverse map, which is the
 * negative of the forward one at the corresponding point.
 */
public interface Flow {

    FlowResult forward(NDArray x, FlowContext context);

    FlowResult inverse(NDArray y, FlowContext context);
}
