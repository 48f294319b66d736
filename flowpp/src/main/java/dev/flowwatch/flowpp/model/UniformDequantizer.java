package dev.flowwatch.flowpp.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.flow.FlowContext;
import dev.flowwatch.flowpp.nn.Tensors;

/** u ~ U[0, 1)^D, whose density is 1: log q = 0. */
public final class UniformDequantizer implements Dequantizer {

    @Override
    public NDArray draw(NDManager manager, Shape shape, DataType type) {
        return manager.randomUniform(0f, 1f, shape, type);
    }

    @Override
    public Noise sample(NDArray pixels, NDArray base, FlowContext context) {
        return new Noise(base, Tensors.zeroLogDet(pixels));
    }
}
