package dev.flowwatch.flowpp.orientation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;

import dev.flowwatch.flowpp.nn.Module;
import dev.flowwatch.flowpp.nn.Scopes;
import dev.flowwatch.flowpp.nn.Tensors;
import dev.flowwatch.flowpp.nn.WeightNormConv2d;

/**
 * A small convolutional network that tells which of the four quarter turns was applied to an image
 * (Gidaris et al., ICLR 2018): two blocks of two 3×3 convolutions with ReLU and 2×2 max pooling, a
 * fifth convolution, the mean over the plane and a linear map to four logits. Trained on the normal
 * images alone, in every orientation ({@link OrientationTrainer}), it learns what upright looks
 * like for them; how unsure it is that an image is upright ({@link #surprise}) is the orientation
 * part of score kind dose (Hendrycks et al., NeurIPS 2019, use the same task to detect what a model
 * was not trained on).
 */
public final class OrientationNet extends Module {

    /** The quarter turns the network tells apart: 0 (upright), 1, 2 and 3 turns. */
    public static final int TURNS = 4;

    private static final Shape POOL = new Shape(2, 2);
    private static final Shape NO_PADDING = new Shape(0, 0);

    private final OrientationConfig config;
    private final WeightNormConv2d[] convolutions;
    private final Parameter weight;
    private final Parameter bias;

    public OrientationNet(OrientationConfig config) {
        this.config = config;
        int w = config.hidden();
        int[][] channels = {
            {config.channels(), w}, {w, w}, {w, 2 * w}, {2 * w, 2 * w}, {2 * w, 2 * w}
        };
        convolutions = new WeightNormConv2d[channels.length];
        for (int i = 0; i < channels.length; i++) {
            convolutions[i] =
                    child("conv" + i, new WeightNormConv2d(channels[i][0], channels[i][1], 3, 1f));
        }
        weight = parameter("weight", new Shape(TURNS, 2 * w), new NormalInitializer(0.05f));
        bias = parameter("bias", new Shape(TURNS), Initializer.ZEROS);
    }

    public OrientationConfig config() {
        return config;
    }

    /**
     * −log p(upright | x) per image, in nats: near 0 for an image the network finds upright, log 4
     * for one it cannot place, more for one it finds turned.
     *
     * @param pixels (N, C, H, W), 0..255
     */
    public NDArray surprise(NDArray pixels) {
        return Scopes.retain(() -> logits(pixels).logSoftmax(1).get(":, 0").neg(), pixels);
    }

    /** The images (N, C, H, W) turned clockwise by {@code turns} quarter turns. */
    public static NDArray turned(NDArray pixels, int turns) {
        int t = Math.floorMod(turns, TURNS);
        // rot90 turns from the first axis towards the second: from columns to rows is clockwise
        return t == 0 ? pixels : pixels.rotate90(t, new int[] {3, 2});
    }

    /**
     * The logits of the four turns, (N, 4).
     *
     * @param pixels (N, C, H, W), 0..255
     */
    public NDArray logits(NDArray pixels) {
        return Scopes.retain(
                () -> {
                    NDArray h = Tensors.div(pixels, 255);
                    for (int i = 0; i < convolutions.length; i++) {
                        h = Activation.relu(convolutions[i].apply(h));
                        if (i == 1 || i == 3) {
                            h = Pool.maxPool2d(h, POOL, POOL, NO_PADDING, false);
                        }
                    }
                    // DJL's PyTorch engine averages over one axis at a time
                    NDArray features = h.mean(new int[] {3}).mean(new int[] {2});
                    return features.matMul(value(weight).transpose()).add(value(bias));
                },
                pixels);
    }
}
