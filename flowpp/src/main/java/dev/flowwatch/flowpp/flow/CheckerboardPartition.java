package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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

    /**
     * 1 where (i + j) % 2 == parity. Built by PyTorch ops rather than from a Java array: autograd
     * keeps the mask for the backward pass, and an array over Java memory would not survive its
     * handle being closed by the step's scope.
     */
    private NDArray mask(NDArray like) {
        Shape s = like.getShape();
        NDManager m = like.getManager();
        NDArray rows = m.arange(0, (int) s.get(2), 1, DataType.INT32).reshape(1, 1, -1, 1);
        NDArray columns = m.arange(0, (int) s.get(3), 1, DataType.INT32).reshape(1, 1, 1, -1);
        NDArray sum = rows.add(columns);
        return sum.mod(Tensors.constant(sum, 2))
                .eq(Tensors.constant(sum, parity))
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
        return x.mul(keep).add(transformedActive.mul(Tensors.rsub(keep, 1)));
    }

    @Override
    public NDArray sumTransformed(NDArray elementLogDet) {
        return Tensors.sumPerExample(elementLogDet.mul(Tensors.rsub(mask(elementLogDet), 1)));
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
