package dev.flowwatch.flowpp.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

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

    /** Overwrites {@code target}'s values, keeping its identity (and gradient flag). */
    public static void copyInto(NDArray target, NDArray source) {
        if (!target.getShape().equals(source.getShape())) {
            throw new IllegalArgumentException(
                    "saved shape " + source.getShape() + " != " + target.getShape());
        }
        target.set(ALL, source.toType(target.getDataType(), false));
    }
}
