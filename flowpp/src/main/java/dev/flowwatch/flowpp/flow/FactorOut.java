package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;

import dev.flowwatch.flowpp.nn.Module;
import dev.flowwatch.flowpp.nn.Tensors;

/**
 * Multi-scale architecture (RealNVP): half of the channels leave the flow here and go straight to
 * the prior; the other half continue through {@code inner} at the next scale.
 */
public final class FactorOut extends Module implements Flow {

    private final Flow inner;

    public FactorOut(Flow inner) {
        this.inner = inner;
        if (inner instanceof Block block) {
            child("inner", block);
        }
    }

    @Override
    public FlowResult forward(NDArray x, FlowContext context) {
        NDList halves = split(x);
        FlowResult r = inner.forward(halves.get(0), context);
        if (context.terms() != null) {
            context.terms().factoredOut(r.logDet(), Tensors.logStandardNormal(halves.get(1)));
        }
        return new FlowResult(r.output().concat(halves.get(1), 1), r.logDet());
    }

    @Override
    public FlowResult inverse(NDArray y, FlowContext context) {
        NDList halves = split(y);
        FlowResult r = inner.inverse(halves.get(0), context);
        return new FlowResult(r.output().concat(halves.get(1), 1), r.logDet());
    }

    private static NDList split(NDArray x) {
        long c = x.getShape().get(1);
        return x.split(new long[] {c / 2}, 1);
    }
}
