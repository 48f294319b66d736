package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

import java.util.ArrayList;
import java.util.List;

/**
 * The conditioning network of a mixture-logistic coupling: 3×3 conv in, residual
 * gated-conv/attention blocks, 3×3 conv out to the coupling's parameters. The output conv starts at
 * zero so that the coupling starts as the identity.
 */
public final class CouplingNetwork extends Module {

    private final int outChannels;
    private final int components;
    private final WeightNormConv2d in;
    private final List<ConvAttentionBlock> blocks = new ArrayList<>();
    private final WeightNormConv2d out;
    private final Parameter scaleOfA;
    private final Derived logScaleFloor;

    /** Hyper-parameters of one conditioning network. */
    public record Spec(int hidden, int blocks, int components, int attentionHeads, float dropout) {}

    public CouplingNetwork(
            int inChannels,
            int outChannels,
            int conditioningChannels,
            int height,
            int width,
            Spec spec) {
        this.outChannels = outChannels;
        this.components = spec.components();
        in = child("in", new WeightNormConv2d(inChannels, spec.hidden(), 3, 1f));
        for (int i = 0; i < spec.blocks(); i++) {
            blocks.add(
                    child(
                            "block" + i,
                            new ConvAttentionBlock(
                                    spec.hidden(),
                                    conditioningChannels,
                                    spec.attentionHeads(),
                                    height,
                                    width,
                                    spec.dropout())));
        }
        out =
                child(
                        "out",
                        new WeightNormConv2d(
                                spec.hidden(), outChannels * (2 + 3 * components), 3, 0f));
        scaleOfA = parameter("scaleOfA", new Shape(1, outChannels, 1, 1), Initializer.ONES);
        logScaleFloor = constantLike(scaleOfA, -7);
    }

    public MixtureParameters apply(NDArray x, NDArray conditioning, boolean training) {
        NDArray h =
                out.apply(ConvAttentionBlock.applyAll(blocks, in.apply(x), conditioning, training));
        Shape s = h.getShape();
        long k = components;
        NDList parts =
                h.reshape(s.get(0), 2 + 3 * k, outChannels, s.get(2), s.get(3))
                        .split(new long[] {1, 2, 2 + k, 2 + 2 * k}, 1);
        // a = scale·tanh(raw) bounds the log-scale of the affine part (Flow++ official code)
        NDArray a = parts.get(0).squeeze(1).tanh().mul(value(scaleOfA));
        NDArray b = parts.get(1).squeeze(1);
        // log-scales below −7 give no benefit and make the logistic pdf numerically explosive
        NDArray logScales = parts.get(4).maximum(logScaleFloor.get());
        return new MixtureParameters(a, b, parts.get(2), parts.get(3), logScales);
    }
}
