package dev.flowwatch.flowpp.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import dev.flowwatch.flowpp.nn.Tensors;

import java.util.ArrayList;
import java.util.List;

/** The trainable arrays of a block, in a stable order, and in-place copies between arrays. */
public final class Weights {

    private static final NDIndex ALL = new NDIndex("...");

    private Weights() {}

    public static List<NDArray> trainable(Block block) {
        List<NDArray> weights = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                weights.add(p.getValue().getArray());
            }
        }
        return weights;
    }

    /**
     * {@link #trainable}, each recording its gradient: DJL's {@code Parameter.load} swaps in
     * freshly decoded arrays, which record none, so a loaded block would otherwise train nothing.
     */
    public static List<NDArray> recordingGradients(Block block) {
        List<NDArray> weights = trainable(block);
        for (NDArray w : weights) {
            if (!w.hasGradient()) {
                w.setRequiresGradient(true);
            }
        }
        return weights;
    }

    /**
     * Stops every array of {@code block} recording gradients, as in a loaded bundle, so that it
     * scores as one does: with its weight-derived arrays kept between passes ({@code Derived}).
     */
    public static void freeze(Block block) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray w = p.getValue().getArray();
            if (w.hasGradient()) {
                w.setRequiresGradient(false);
            }
        }
    }

    /** Sets every gradient to zero in place, for the next step to accumulate into. */
    public static void zeroGradients(List<NDArray> gradients) {
        NDArray zero = Tensors.constant(gradients.get(0), 0);
        for (NDArray g : gradients) {
            g.set(ALL, zero);
        }
    }

    /** Overwrites {@code target}'s values, keeping its identity (and gradient flag). */
    public static void copyInto(NDArray target, NDArray source) {
        if (!target.getShape().equals(source.getShape())) {
            throw new IllegalArgumentException(
                    "saved shape " + source.getShape() + " != " + target.getShape());
        }
        target.set(ALL, source.toType(target.getDataType(), false));
    }
}
