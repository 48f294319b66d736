package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

import dev.flowwatch.flowpp.nn.Derived;
import dev.flowwatch.flowpp.nn.Module;
import dev.flowwatch.flowpp.nn.Tensors;

/**
 * Per-channel affine normalisation y = (x + b)·exp(s) (Kingma &amp; Dhariwal, Glow, 2018), whose
 * bias and log-scale are set from the first batch so that its output has zero mean and unit
 * variance.
 */
public final class ActNorm extends Module implements Flow {

    private static final double STD_FLOOR = 1e-6;

    private final Parameter bias;
    private final Parameter logScale;
    private final Derived scale;
    private final Derived inverseScale;
    private final Derived logScaleSum;

    public ActNorm(int channels) {
        Shape shape = new Shape(1, channels, 1, 1);
        bias = parameter("bias", shape, Initializer.ZEROS);
        logScale = parameter("logScale", shape, Initializer.ZEROS);
        scale = derived(() -> value(logScale).exp(), logScale);
        inverseScale = derived(() -> value(logScale).neg().exp(), logScale);
        logScaleSum = derived(() -> value(logScale).sum(), logScale);
    }

    @Override
    public FlowResult forward(NDArray x, FlowContext context) {
        if (context.dataInit()) {
            initializeFrom(x);
        }
        NDArray y = x.add(value(bias)).mul(scale.get());
        return new FlowResult(y, logDet(x));
    }

    @Override
    public FlowResult inverse(NDArray y, FlowContext context) {
        NDArray x = y.mul(inverseScale.get()).sub(value(bias));
        return new FlowResult(x, logDet(y).neg());
    }

    private NDArray logDet(NDArray x) {
        Shape s = x.getShape();
        long pixels = s.get(2) * s.get(3);
        return Tensors.mul(logScaleSum.get(), pixels).broadcast(new Shape(s.get(0)));
    }

    private void initializeFrom(NDArray x) {
        long channels = x.getShape().get(1);
        // (C, N·H·W): DJL's PyTorch mean reduces one axis at a time
        NDArray perChannel = x.stopGradient().transpose(1, 0, 2, 3).reshape(channels, -1);
        NDArray mean = perChannel.mean(new int[] {1}, true);
        NDArray std =
                perChannel.sub(mean).square().mean(new int[] {1}).sqrt().reshape(1, channels, 1, 1);
        mean = mean.reshape(1, channels, 1, 1);
        value(bias).set(new NDIndex("..."), mean.neg());
        value(logScale).set(new NDIndex("..."), Tensors.add(std, STD_FLOOR).log().neg());
        scale.forget();
        inverseScale.forget();
        logScaleSum.forget();
    }
}
