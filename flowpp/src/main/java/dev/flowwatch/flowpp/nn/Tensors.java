package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * Numerically stable tensor functions that DJL does not provide, and arithmetic with constants that
 * is safe under autograd and does not stall a GPU. Use these, not DJL's {@code x.add(Number)} and
 * its kin, wherever an array may live on a GPU or be differentiated.
 *
 * <p>DJL's {@code x.add(Number)}, {@code sub}, {@code mul}, {@code div}, {@code maximum}, {@code
 * eq}, {@code mod}, {@code clip} and the in-place variants wrap the number in a 0-dim tensor over a
 * Java direct buffer ({@code torch::from_blob}), closed right after the call. On a GPU that tensor
 * is copied to the device first, a blocking copy that waits for every kernel queued before it: the
 * host cannot run ahead of the GPU, which then idles while the host issues the next operations (on
 * an H100, a {@code small} forward pass of 1024 images took 69 ms with them, 40 ms without). Under
 * autograd the buffer is worse than slow: {@code MulBackward0} and {@code DivBackward0} keep {@code
 * other}, {@code MaximumBackward0} both operands, but the buffer is Java's, and once a garbage
 * collection runs between forward and backward its memory is freed and reused: backward reads
 * whatever lies there. The constants here are filled on the array's device, in memory PyTorch owns.
 */
public final class Tensors {

    private static final double LOG_TWO_PI = Math.log(2 * Math.PI);

    private Tensors() {}

    /** x + c. */
    public static NDArray add(NDArray x, double c) {
        return x.add(constant(x, c));
    }

    /** x − c. */
    public static NDArray sub(NDArray x, double c) {
        return x.sub(constant(x, c));
    }

    /** c − x. */
    public static NDArray rsub(NDArray x, double c) {
        return constant(x, c).sub(x);
    }

    /** x·c. */
    public static NDArray mul(NDArray x, double c) {
        return x.mul(constant(x, c));
    }

    /** x/c. */
    public static NDArray div(NDArray x, double c) {
        return x.div(constant(x, c));
    }

    /** max(x, c) elementwise. */
    public static NDArray maximum(NDArray x, double c) {
        return x.maximum(constant(x, c));
    }

    /** x clamped to [lo, hi] elementwise. */
    public static NDArray clip(NDArray x, double lo, double hi) {
        return maximum(x, lo).minimum(constant(x, hi));
    }

    /**
     * c as a 0-dim array of x's type on x's device, filled there. A float64 constant (tests'
     * Jacobian checks, on a CPU) goes through a host scalar instead, because {@link NDManager#full}
     * takes a float and would round c.
     */
    public static NDArray constant(NDArray x, double c) {
        NDManager manager = x.getManager();
        DataType type = x.getDataType();
        if (type == DataType.FLOAT64) {
            return manager.zeros(new Shape(), type).addi(c);
        }
        return manager.full(new Shape(), (float) c, type);
    }

    /**
     * log(sum(exp(x))) along {@code axis}, removing that axis. PyTorch's log-softmax is a stable
     * log-sum-exp in one operator: log_softmax(x)ᵢ = xᵢ − LSE(x), so LSE(x) = max x − max
     * log_softmax(x), whose second term lies in [−log K, 0] and keeps its precision: four operators
     * where shifting by the maximum by hand takes seven, which a host issuing them one by one to a
     * GPU pays for. Its gradient is the softmax only when both maxima sit at one index, which
     * rounding can break: two terms a float32 step apart may tie in the log-softmax, whose maximum
     * then goes to the first (−0.70 instead of 0.30 for a term of [0.3 − ulp, 0.3, −0.5, 0.2]). So
     * an x that takes gradients is shifted by hand, by one maximum whose two parts cancel in the
     * gradient.
     */
    public static NDArray logSumExp(NDArray x, int axis) {
        int[] axes = {axis};
        if (x.hasGradient()) {
            NDArray max = x.max(axes, true);
            return x.sub(max).exp().sum(axes).log().add(max.squeeze(axis));
        }
        return x.max(axes).sub(x.logSoftmax(axis).max(axes));
    }

    /**
     * −log of the standard logistic density at x: −log σ(x) − log σ(−x) = softplus(−x) +
     * softplus(x), finite for any finite x.
     */
    public static NDArray logisticNegLogDensity(NDArray x) {
        return Activation.softPlus(x.neg()).add(Activation.softPlus(x));
    }

    /** Sums every axis but the first: per-example totals of an (N, ...) tensor. */
    public static NDArray sumPerExample(NDArray x) {
        return x.reshape(x.getShape().get(0), -1).sum(new int[] {1});
    }

    /**
     * Per-example log-density of {@code x} under the standard normal, summed over every axis but
     * the first.
     */
    public static NDArray logStandardNormal(NDArray x) {
        return sumPerExample(mul(add(x.square(), LOG_TWO_PI), -0.5));
    }

    /** A zero log-determinant for every example of {@code x}. */
    public static NDArray zeroLogDet(NDArray x) {
        return x.getManager().zeros(new Shape(x.getShape().get(0)), x.getDataType());
    }

    /** The value of a one-element array of any floating-point type. */
    public static double scalar(NDArray x) {
        return x.toType(DataType.FLOAT64, false).getDouble();
    }

    /** The values of an array of any floating-point type, as doubles, in row-major order. */
    public static double[] toDoubles(NDArray x) {
        return x.toType(DataType.FLOAT64, false).toDoubleArray();
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
            keep = uniform.gte(constant(uniform, rate));
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
