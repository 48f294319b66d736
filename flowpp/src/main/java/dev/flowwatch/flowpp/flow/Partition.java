package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;

/**
 * How a coupling splits its input into the part that conditions and the part that is transformed,
 * and merges them back.
 */
public interface Partition {

    /** The input of the conditioning network. */
    NDArray conditioner(NDArray x);

    /**
     * The elements to transform (may include conditioner elements, which {@link #merge} discards).
     */
    NDArray active(NDArray x);

    /**
     * Puts transformed active elements back beside the untouched conditioner elements of {@code x}.
     */
    NDArray merge(NDArray x, NDArray transformedActive);

    /**
     * Per-example sum of an elementwise log-determinant of the active tensor, over transformed
     * elements only.
     */
    NDArray sumTransformed(NDArray elementLogDet);

    int conditionerChannels(int channels);

    int activeChannels(int channels);

    /** The width of the conditioning network's input for an input of this width. */
    default int networkWidth(int width) {
        return width;
    }
}
