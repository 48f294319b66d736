package dev.flowwatch.flowpp.model;

import ai.djl.ndarray.NDArray;

import dev.flowwatch.flowpp.flow.FlowContext;
import dev.flowwatch.flowpp.nn.Tensors;

/** u ~ U[0, 1)^D, whose density is 1: log q = 0. */
public final class UniformDequantizer implements Dequantizer {

    @Override
    public NDArray draw(NDArray pixels) {
        return pixels.getManager().randomUniform(0f, 1f, pixels.getShape(), pixels.getDataType());
    }

    @Override
    public Noise sample(NDArray pixels, NDArray base, FlowContext context) {
        return new Noise(base, Tensors.zeroLogDet(pixels));
    }
}
