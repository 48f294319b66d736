package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * Numerically stable tensor functions that DJL does not provide, and arithmetic with constants that
 * is safe under autograd.
 *
 * <p>DJL's {@code x.mul(Number)}, {@code div(Number)} and {@code maximum(Number)} wrap the number
 * in a 0-dim tensor over a Java direct buffer ({@code torch::from_blob}, no copy) and close it
 * right after the call. PyTorch's autograd saves that tensor for the backward pass ({@code
 * MulBackward0} and {@code DivBackward0} keep {@code other}, {@code MaximumBackward0} both
 * operands), but the buffer is Java's: once a garbage collection runs between forward and backward,
 * its memory is freed and reused, and backward reads whatever lies there. Training then depended on
 * GC timing: two same-seed runs diverged under CPU load. In any computation that is differentiated,
 * use {@link #mul}, {@link #div} and {@link #maximum} below, whose constant PyTorch owns. ({@code
 * add(Number)} and {@code sub(Number)} are safe: their backward keeps no operand.)
 */
public final class Tensors {

    private static final double LOG_TWO_PI = Math.log(2 * Math.PI);

    private Tensors() {}

    /** x·c, differentiable whenever a garbage collection happens. */
    public static NDArray mul(NDArray x, double c) {
        return x.mul(constant(x, c));
    }

    /** x/c, differentiable whenever a garbage collection happens. */
    public static NDArray div(NDArray x, double c) {
        return x.div(constant(x, c));
    }

    /** max(x, c) elementwise, differentiable whenever a garbage collection happens. */
    public static NDArray maximum(NDArray x, double c) {
        return x.maximum(constant(x, c));
    }

    /**
     * c as a 0-dim array of x's type in memory PyTorch allocates and frees: the in-place add reads
     * DJL's temporary scalar at once, and nothing records it.
     */
    private static NDArray constant(NDArray x, double c) {
        return x.getManager().zeros(new Shape(), x.getDataType()).addi(c);
    }

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

    /** Per-example log-density of {@code x} under the standard normal, summed over every axis but the first. */
    public static NDArray logStandardNormal(NDArray x) {
        return sumPerExample(mul(x.square().add(LOG_TWO_PI), -0.5));
    }

    /** A zero log-determinant for every example of {@code x}. */
    public static NDArray zeroLogDet(NDArray x) {
        return x.getManager().zeros(new Shape(x.getShape().get(0)), x.getDataType());
    }

    /** The value of a one-element array of any floating-point type. */
    public static double scalar(NDArray x) {
        return x.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
    }

    /**
     * Inverted dropout whose backward keeps a one-byte mask per element. DJL's {@code
     * Dropout.dropout} runs {@code torch::dropout}, which on a CPU multiplies by a float noise
     * tensor that autograd saves: four bytes per element, and in an attention layer that is an
     * (H·W)² map per head and image. A product with a boolean mask saves the mask as it is.
     */
    public static NDArray dropout(NDArray x, float rate, boolean training) {
        if (!training || rate == 0) {
            return x;
        }
        NDArray keep;
        try (NDArray uniform =
                x.getManager().randomUniform(0f, 1f, x.getShape(), x.getDataType())) {
            keep = uniform.gte(rate);
        }
        // the handles go, not the arrays: autograd holds what its backward needs
        try (keep;
                NDArray kept = x.mul(keep)) {
            return mul(kept, 1.0 / (1 - rate));
        }
    }

    /** elu(concat(x, −x)) over channels: keeps both signs' information through the nonlinearity. */
    public static NDArray concatElu(NDArray x) {
        return Activation.elu(x.concat(x.neg(), 1), 1f);
    }
}
