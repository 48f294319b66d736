package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;

import dev.flowwatch.flowpp.nn.Module;
import dev.flowwatch.flowpp.nn.Tensors;

import java.util.List;

/** Flows applied one after another; the log-determinants add up (chain rule). */
public final class SequentialFlow extends Module implements Flow {

    private final List<Flow> steps;

    public SequentialFlow(List<Flow> steps) {
        this.steps = List.copyOf(steps);
        for (int i = 0; i < this.steps.size(); i++) {
            if (this.steps.get(i) instanceof Block block) {
                child(String.format("%02d%s", i, block.getClass().getSimpleName()), block);
            }
        }
    }

    @Override
    public FlowResult forward(NDArray x, FlowContext context) {
        NDArray out = x;
        NDArray logDet = Tensors.zeroLogDet(x);
        for (Flow step : steps) {
            FlowResult r = step.forward(out, context);
            out = r.output();
            logDet = logDet.add(r.logDet());
        }
        return new FlowResult(out, logDet);
    }

    @Override
    public FlowResult inverse(NDArray y, FlowContext context) {
        NDArray out = y;
        NDArray logDet = Tensors.zeroLogDet(y);
        for (int i = steps.size() - 1; i >= 0; i--) {
            FlowResult r = steps.get(i).inverse(out, context);
            out = r.output();
            logDet = logDet.add(r.logDet());
        }
        return new FlowResult(out, logDet);
    }
}
