package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

/** Layer normalisation over the channels of each position of an (N, C, H, W) tensor. */
public final class ChannelLayerNorm extends Module {

    private static final double EPSILON = 1e-5;

    private final Parameter gamma;
    private final Parameter beta;
    private final Derived epsilon;

    public ChannelLayerNorm(int channels) {
        gamma = parameter("gamma", new Shape(1, channels, 1, 1), Initializer.ONES);
        beta = parameter("beta", new Shape(1, channels, 1, 1), Initializer.ZEROS);
        epsilon = constantLike(gamma, EPSILON);
    }

    public NDArray apply(NDArray x) {
        NDArray mean = x.mean(new int[] {1}, true);
        NDArray centered = x.sub(mean);
        NDArray variance = centered.square().mean(new int[] {1}, true);
        return centered.div(variance.add(epsilon.get()).sqrt()).mul(value(gamma)).add(value(beta));
    }
}
