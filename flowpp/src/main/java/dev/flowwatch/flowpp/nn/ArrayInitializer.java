package dev.flowwatch.flowpp.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/** Initialises a parameter with values computed in Java (e.g. an LU decomposition). */
public final class ArrayInitializer implements Initializer {

    private final double[] values;

    public ArrayInitializer(double[] values) {
        this.values = values.clone();
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        if (shape.size() != values.length) {
            throw new IllegalArgumentException(
                    "shape " + shape + " needs " + shape.size() + " values, have " + values.length);
        }
        NDArray exact = manager.create(values, shape);
        NDArray typed = exact.toType(dataType, false);
        if (typed != exact) {
            // a copy of another type: the double-precision original would stay on the manager
            exact.close();
        }
        return typed;
    }
}
