package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.initializer.Initializer;

/** Layer normalisation over the channels of each position of an (N, C, H, W) tensor. */
public final class ChannelLayerNorm extends Module {

    private static final double EPSILON = 1e-5;

    private final Parameter gamma;
    private final Parameter beta;

    public ChannelLayerNorm(int channels) {
        gamma = parameter("gamma", new Shape(1, channels, 1, 1), Initializer.ONES);
        beta = parameter("beta", new Shape(1, channels, 1, 1), Initializer.ZEROS);
    }

    public NDArray apply(NDArray x) {
        long channels = x.getShape().get(1);
        // PyTorch's own layer norm keeps only its input and two statistics per position for the
        // backward pass; written out in elementwise ops it kept the centred input and the
        // normalised output besides, two more arrays of the block's size per norm
        NDArray channelsLast =
                LayerNorm.layerNorm(
                                x.transpose(0, 2, 3, 1),
                                new Shape(channels),
                                value(gamma).reshape(channels),
                                value(beta).reshape(channels),
                                (float) EPSILON)
                        .singletonOrThrow();
        return channelsLast.transpose(0, 3, 1, 2);
    }
}
