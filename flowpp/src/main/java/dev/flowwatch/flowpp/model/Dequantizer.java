package dev.flowwatch.flowpp.model;

import ai.djl.ndarray.NDArray;

import dev.flowwatch.flowpp.flow.FlowContext;

/**
 * Draws dequantization noise u ∈ (0, 1)^D for integer pixels x, with its log-density log q(u|x).
 */
public interface Dequantizer {

    /**
     * @param pixels integer pixel values 0..255 as floats, (N, C, H, W)
     * @return the noise and log q(u|x) per example
     */
    Noise sample(NDArray pixels, FlowContext context);

    /**
     * Dequantization noise and its per-example log-density.
     *
     * @param u noise in (0, 1), shaped like the pixels
     * @param logQ log q(u|x), shape (N)
     */
    record Noise(NDArray u, NDArray logQ) {}
}
