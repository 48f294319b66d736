package dev.flowwatch.flowpp.flow;

import ai.djl.ndarray.NDArray;

/** A flow run backwards: its forward is the wrapped flow's inverse (e.g. unsqueeze). */
public final class Inverted implements Flow {

    private final Flow flow;

    public Inverted(Flow flow) {
        this.flow = flow;
    }

    @Override
    public FlowResult forward(NDArray x, FlowContext context) {
        return flow.inverse(x, context);
    }

    @Override
    public FlowResult inverse(NDArray y, FlowContext context) {
        return flow.forward(y, context);
    }
}
