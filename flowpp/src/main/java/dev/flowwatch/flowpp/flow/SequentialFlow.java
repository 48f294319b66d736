package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;

import dev.flowwatch.flowpp.nn.Module;
import dev.flowwatch.flowpp.nn.Scopes;
import dev.flowwatch.flowpp.nn.Tensors;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Flows applied one after another; the log-determinants add up (chain rule). */
public final class SequentialFlow extends Module implements Flow {

    private final List<Flow> steps;
    private final List<Flow> reversed;

    public SequentialFlow(List<Flow> steps) {
        this.steps = List.copyOf(steps);
        List<Flow> backwards = new ArrayList<>(steps);
        Collections.reverse(backwards);
        this.reversed = List.copyOf(backwards);
        for (int i = 0; i < this.steps.size(); i++) {
            if (this.steps.get(i) instanceof Block block) {
                child(String.format("%02d%s", i, block.getClass().getSimpleName()), block);
            }
        }
    }

    @Override
    public FlowResult forward(NDArray x, FlowContext context) {
        return run(steps, x, context, Flow::forward);
    }

    @Override
    public FlowResult inverse(NDArray y, FlowContext context) {
        return run(reversed, y, context, Flow::inverse);
    }

    private interface Direction {
        FlowResult apply(Flow step, NDArray input, FlowContext context);
    }

    /**
     * Applies the steps in order, each in its own scope ({@link Scopes}): a step's temporaries go
     * when it returns and its input when the next step has consumed it, so the live arrays are one
     * step's worth, not the whole flow's.
     */
    private static FlowResult run(
            List<Flow> order, NDArray x, FlowContext context, Direction direction) {
        NDArray out = x;
        NDArray logDet = Tensors.zeroLogDet(x);
        for (Flow step : order) {
            NDArray in = out;
            NDArray sum = logDet;
            FlowResult r =
                    Scopes.retain(
                            () -> {
                                FlowResult s = direction.apply(step, in, context);
                                return new FlowResult(s.output(), sum.add(s.logDet()));
                            },
                            result -> List.of(result.output(), result.logDet()),
                            in);
            if (in != x && r.output() != in) {
                in.close();
            }
            sum.close();
            out = r.output();
            logDet = r.logDet();
        }
        return new FlowResult(out, logDet);
    }
}
