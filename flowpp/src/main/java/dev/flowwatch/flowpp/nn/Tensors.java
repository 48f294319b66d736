package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/** Numerically stable tensor functions that DJL does not provide. */
public final class Tensors {

    private Tensors() {}

    /**
     * log(sum(exp(x))) along {@code axis}, shifted by the (gradient-free) maximum to avoid
     * overflow.
     */
    public static NDArray logSumExp(NDArray x, int axis) {
        NDArray max = x.max(new int[] {axis}, true).stopGradient();
        return x.sub(max).exp().sum(new int[] {axis}).log().add(max.squeeze(axis));
    }

    /** log σ(x) = −softplus(−x), finite for any finite x. */
    public static NDArray logSigmoid(NDArray x) {
        return Activation.softPlus(x.neg()).neg();
    }

    /** Sums every axis but the first: per-example totals of an (N, ...) tensor. */
    public static NDArray sumPerExample(NDArray x) {
        return x.reshape(x.getShape().get(0), -1).sum(new int[] {1});
    }

    /** A zero log-determinant for every example of {@code x}. */
    public static NDArray zeroLogDet(NDArray x) {
        return x.getManager().zeros(new Shape(x.getShape().get(0)), x.getDataType());
    }

    /** The value of a one-element array of any floating-point type. */
    public static double scalar(NDArray x) {
        return x.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
    }

    /** elu(concat(x, −x)) over channels: keeps both signs' information through the nonlinearity. */
    public static NDArray concatElu(NDArray x) {
        return Activation.elu(x.concat(x.neg(), 1), 1f);
    }
}
