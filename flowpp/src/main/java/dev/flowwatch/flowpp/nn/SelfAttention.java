package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;

/**
 * Multi-head self-attention over the H·W positions of a feature map (Vaswani et al., 2017), with a
 * learned positional embedding and a sigmoid-gated output, as in the Flow++ conditioning network.
 * Returns the residual. Passes without dropout (scoring, sampling, training with a dropout rate of
 * 0) attend through one fused operator ({@link FusedAttention}); training with dropout computes the
 * attention weights, to drop some out.
 */
public final class SelfAttention extends Module {

    private final int channels;
    private final int heads;
    private final float dropout;
    private final Parameter position;
    private final WeightNormConv2d queryKeyValue;
    private final WeightNormConv2d gate;

    public SelfAttention(int channels, int heads, int height, int width, float dropout) {
        if (channels % heads != 0) {
            throw new IllegalArgumentException(
                    channels + " channels do not split into " + heads + " heads");
        }
        this.channels = channels;
        this.heads = heads;
        this.dropout = dropout;
        position =
                parameter(
                        "position",
                        new Shape(1, channels, height, width),
                        new NormalInitializer(0.01f));
        queryKeyValue = child("qkv", new WeightNormConv2d(channels, 3 * channels, 1, 1f));
        gate = child("gate", new WeightNormConv2d(channels, 2 * channels, 1, 1f));
    }

    public NDArray apply(NDArray x, boolean training) {
        return apply(x, training, (!training || dropout == 0) && FusedAttention.available());
    }

    /** {@link #apply(NDArray, boolean)} with the attention chosen: fused or explicit. */
    NDArray apply(NDArray x, boolean training, boolean fused) {
        Shape s = x.getShape();
        long n = s.get(0), h = s.get(2), w = s.get(3);
        long headDim = channels / heads;
        NDArray qkv = queryKeyValue.apply(x.add(value(position)));
        NDArray attended =
                fused
                        ? FusedAttention.attend(qkv.reshape(n, 3, heads, headDim, h * w))
                        : attendExplicitly(qkv, n, headDim, h * w, training);
        NDList halves = gate.apply(attended.reshape(n, channels, h, w)).split(2, 1);
        return halves.get(0).mul(Activation.sigmoid(halves.get(1)));
    }

    /** (N·heads, headDim, H·W) attended values, through the H·W × H·W weights and their dropout. */
    private NDArray attendExplicitly(
            NDArray queryKeyValue, long n, long headDim, long positions, boolean training) {
        NDList qkv = queryKeyValue.split(3, 1);
        // the queries are scaled rather than the scores, which are positions/headDim times larger
        // and the costliest arrays of the pass
        NDArray q =
                Tensors.div(qkv.get(0), Math.sqrt(headDim)).reshape(n * heads, headDim, positions);
        NDArray k = qkv.get(1).reshape(n * heads, headDim, positions);
        NDArray v = qkv.get(2).reshape(n * heads, headDim, positions);
        NDArray weights = q.transpose(0, 2, 1).matMul(k).softmax(2);
        weights = Tensors.dropout(weights, dropout, training);
        return v.matMul(weights.transpose(0, 2, 1));
    }
}
