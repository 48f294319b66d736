package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The gated convolution of a Flow++ residual block: concat-ELU, 3×3 conv, optional conditioning
 * features added through a 1×1 conv, concat-ELU, dropout, 1×1 conv to 2C channels and a sigmoid
 * gate a·σ(b). Returns the residual, not x plus it.
 */
public final class GatedConv extends Module {

    private final WeightNormConv2d conv;
    private final WeightNormConv2d conditioningConv;
    private final WeightNormConv2d gate;
    private final float dropout;

    /**
     * @param conditioningChannels channels of the conditioning features as they are given, 0 for
     *     none; they are added through the 1×1 conv as they are (the variational dequantizer gives
     *     its features with concat-ELU applied, once for all its blocks)
     */
    public GatedConv(int channels, int conditioningChannels, float dropout) {
        this.dropout = dropout;
        conv = child("conv", new WeightNormConv2d(2 * channels, channels, 3, 1f));
        conditioningConv =
                conditioningChannels > 0
                        ? child(
                                "conditioningConv",
                                new WeightNormConv2d(conditioningChannels, channels, 1, 1f))
                        : null;
        gate = child("gate", new WeightNormConv2d(2 * channels, 2 * channels, 1, 1f));
    }

    public NDArray apply(NDArray x, NDArray conditioning, boolean training) {
        NDArray h = conv.apply(Tensors.concatElu(x));
        if (conditioningConv != null) {
            if (conditioning == null) {
                throw new IllegalStateException(
                        "this network is conditional but got no conditioning features");
            }
            h = h.add(conditioningConv.apply(conditioning));
        }
        h = Tensors.concatElu(h);
        h = Tensors.dropout(h, dropout, training);
        h = gate.apply(h);
        long c = h.getShape().get(1) / 2;
        ai.djl.ndarray.NDList halves = h.split(new long[] {c}, 1);
        return halves.get(0).mul(Activation.sigmoid(halves.get(1)));
    }
}
