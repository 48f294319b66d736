package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;

/**
 * Weight-normalised convolution W = g·v/‖v‖ per output channel (Salimans &amp; Kingma, 2016), as in
 * every conditioning network of Flow++. Odd kernels, "same" padding, stride 1.
 *
 * <p>With {@code gain = 0} the layer starts as the zero map: a coupling whose network ends in such
 * a layer starts at the identity, which keeps a deep flow stable at the start of training.
 */
public final class WeightNormConv2d extends Module {

    private final int kernel;
    private final Parameter direction;
    private final Parameter gain;
    private final Parameter bias;
    private final Derived weight;

    public WeightNormConv2d(int inChannels, int outChannels, int kernel, float initialGain) {
        if (kernel % 2 == 0) {
            throw new IllegalArgumentException("kernel must be odd, got " + kernel);
        }
        this.kernel = kernel;
        direction =
                parameter(
                        "v",
                        new Shape(outChannels, inChannels, kernel, kernel),
                        new NormalInitializer(0.05f));
        gain = parameter("g", new Shape(outChannels), new ConstantInitializer(initialGain));
        bias = parameter("bias", new Shape(outChannels), Initializer.ZEROS);
        weight = derived(this::normalisedWeight, direction, gain);
    }

    public NDArray apply(NDArray x) {
        int pad = kernel / 2;
        return Conv2d.conv2d(x, weight.get(), value(bias), new Shape(1, 1), new Shape(pad, pad))
                .singletonOrThrow();
    }

    private NDArray normalisedWeight() {
        NDArray v = value(direction);
        NDArray norm = v.square().sum(new int[] {1, 2, 3}, true).sqrt();
        return v.mul(value(gain).reshape(-1, 1, 1, 1)).div(norm);
    }
}
