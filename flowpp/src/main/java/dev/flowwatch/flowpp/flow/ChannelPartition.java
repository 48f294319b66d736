package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import dev.flowwatch.flowpp.nn.Tensors;

/** Channel-wise split: one half of the channels conditions, the other half is transformed. */
public final class ChannelPartition implements Partition {

    private final boolean firstHalfConditions;

    /**
     * @param parity 0: the first half conditions the second; 1: the reverse
     */
    public ChannelPartition(int parity) {
        if (parity != 0 && parity != 1) {
            throw new IllegalArgumentException("parity must be 0 or 1, got " + parity);
        }
        this.firstHalfConditions = parity == 0;
    }

    private static NDList halves(NDArray x) {
        long c = x.getShape().get(1);
        if (c % 2 != 0) {
            throw new IllegalArgumentException(
                    "channel split needs an even channel count, got " + c);
        }
        return x.split(new long[] {c / 2}, 1);
    }

    @Override
    public NDArray conditioner(NDArray x) {
        return halves(x).get(firstHalfConditions ? 0 : 1);
    }

    @Override
    public NDArray active(NDArray x) {
        return halves(x).get(firstHalfConditions ? 1 : 0);
    }

    @Override
    public NDArray merge(NDArray x, NDArray transformedActive) {
        NDArray kept = conditioner(x);
        return firstHalfConditions
                ? kept.concat(transformedActive, 1)
                : transformedActive.concat(kept, 1);
    }

    @Override
    public NDArray sumTransformed(NDArray elementLogDet) {
        return Tensors.sumPerExample(elementLogDet);
    }

    @Override
    public int conditionerChannels(int channels) {
        return channels / 2;
    }

    @Override
    public int activeChannels(int channels) {
        return channels / 2;
    }
}
