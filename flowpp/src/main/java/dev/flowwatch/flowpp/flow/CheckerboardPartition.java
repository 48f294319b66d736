package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.nn.Tensors;

/**
 * Spatial checkerboard split (RealNVP): positions with (i + j) % 2 == parity condition, the others
 * are transformed. Works for any channel count, including grayscale.
 */
public final class CheckerboardPartition implements Partition {

    private final int parity;

    public CheckerboardPartition(int parity) {
        if (parity != 0 && parity != 1) {
            throw new IllegalArgumentException("parity must be 0 or 1, got " + parity);
        }
        this.parity = parity;
    }

    private NDArray mask(NDArray like) {
        Shape s = like.getShape();
        int h = (int) s.get(2), w = (int) s.get(3);
        double[] values = new double[h * w];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                values[i * w + j] = (i + j) % 2 == parity ? 1 : 0;
            }
        }
        return like.getManager()
                .create(values, new Shape(1, 1, h, w))
                .toType(like.getDataType(), false);
    }

    @Override
    public NDArray conditioner(NDArray x) {
        return x.mul(mask(x));
    }

    @Override
    public NDArray active(NDArray x) {
        return x;
    }

    @Override
    public NDArray merge(NDArray x, NDArray transformedActive) {
        NDArray keep = mask(x);
        return x.mul(keep).add(transformedActive.mul(keep.neg().add(1)));
    }

    @Override
    public NDArray sumTransformed(NDArray elementLogDet) {
        return Tensors.sumPerExample(elementLogDet.mul(mask(elementLogDet).neg().add(1)));
    }

    @Override
    public int conditionerChannels(int channels) {
        return channels;
    }

    @Override
    public int activeChannels(int channels) {
        return channels;
    }
}
