package dev.flowwatch.flowpp.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.flow.FlowContext;

/**
 * Draws dequantization noise u ∈ (0, 1)^D for integer pixels x, with its log-density log q(u|x).
 */
public interface Dequantizer {

    /**
     * The noise this dequantizer transforms into u, drawn from the engine's generator: its only
     * random draw, for pixels of this shape and type. Drawn apart from {@link #sample(NDArray,
     * NDArray, FlowContext)} so that a scorer can give each image noise of its own ({@link
     * NoiseBank}).
     */
    NDArray draw(NDManager manager, Shape shape, DataType type);

    /**
     * @param pixels integer pixel values 0..255 as floats, (N, C, H, W)
     * @param base what {@link #draw} gave for pixels of this shape
     * @return the noise and log q(u|x) per example
     */
    Noise sample(NDArray pixels, NDArray base, FlowContext context);

    /** {@link #sample(NDArray, NDArray, FlowContext)} of a fresh {@link #draw}. */
    default Noise sample(NDArray pixels, FlowContext context) {
        return sample(
                pixels,
                draw(pixels.getManager(), pixels.getShape(), pixels.getDataType()),
                context);
    }

    /**
     * Dequantization noise and its per-example log-density.
     *
     * @param u noise in (0, 1), shaped like the pixels
     * @param logQ log q(u|x), shape (N)
     */
    record Noise(NDArray u, NDArray logQ) {}
}
