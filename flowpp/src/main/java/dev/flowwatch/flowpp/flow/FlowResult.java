package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;

/**
 * The output of a flow step and its per-example log|det J|, shape (N).
 *
 * @param output the transformed tensor
 * @param logDet per-example log-determinant of the Jacobian of the map that was applied
 */
public record FlowResult(NDArray output, NDArray logDet) {

    /** Adds another step's log-determinant to this one's. */
    public FlowResult plusLogDet(NDArray other) {
        return new FlowResult(output, logDet.add(other));
    }
}
