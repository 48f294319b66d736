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
 * Returns the residual.
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
        Shape s = x.getShape();
        long n = s.get(0), h = s.get(2), w = s.get(3);
        long headDim = channels / heads;
        NDList qkv = queryKeyValue.apply(x.add(value(position))).split(3, 1);
        // (N, C, H, W) → (N·heads, headDim, H·W); the queries are scaled rather than the
        // scores, which are H·W/headDim times larger and the costliest arrays of the pass
        NDArray q = Tensors.div(qkv.get(0), Math.sqrt(headDim)).reshape(n * heads, headDim, h * w);
        NDArray k = qkv.get(1).reshape(n * heads, headDim, h * w);
        NDArray v = qkv.get(2).reshape(n * heads, headDim, h * w);
        NDArray weights = q.transpose(0, 2, 1).matMul(k).softmax(2);
        weights = Tensors.dropout(weights, dropout, training);
        NDArray attended = v.matMul(weights.transpose(0, 2, 1)).reshape(n, channels, h, w);
        NDList halves = gate.apply(attended).split(2, 1);
        return halves.get(0).mul(Activation.sigmoid(halves.get(1)));
    }
}
