package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.nn.Tensors;

/**
 * Space-to-depth: (C, H, W) → (4C, H/2, W/2), each 2×2 patch becoming four channels. A permutation
 * of coordinates, so its log-determinant is zero.
 */
public final class Squeeze implements Flow {

    @Override
    public FlowResult forward(NDArray x, FlowContext context) {
        Shape s = x.getShape();
        long n = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        if (h % 2 != 0 || w % 2 != 0) {
            throw new IllegalArgumentException("squeeze needs even height and width, got " + s);
        }
        NDArray y =
                x.reshape(n, c, h / 2, 2, w / 2, 2)
                        .transpose(0, 1, 3, 5, 2, 4)
                        .reshape(n, c * 4, h / 2, w / 2);
        return new FlowResult(y, Tensors.zeroLogDet(x));
    }

    @Override
    public FlowResult inverse(NDArray y, FlowContext context) {
        Shape s = y.getShape();
        long n = s.get(0), c = s.get(1) / 4, h = s.get(2), w = s.get(3);
        NDArray x =
                y.reshape(n, c, 2, 2, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(n, c, h * 2, w * 2);
        return new FlowResult(x, Tensors.zeroLogDet(y));
    }
}
