package dev.flowwatch.flowpp.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

import dev.flowwatch.flowpp.nn.Tensors;

import java.util.List;

/**
 * Polyak averaging of the weights, an exponential moving average evaluated instead of the raw
 * weights (Flow++ evaluates with it). The decay ramps up as min(decay, (1 + t)/(10 + t)) so that
 * the average is not dominated by the random initial weights in short runs.
 */
public final class ParameterAverage {

    private final double decay;
    private final NDList averages;

    public ParameterAverage(List<NDArray> weights, NDManager manager, double decay) {
        if (decay < 0 || decay >= 1) {
            throw new IllegalArgumentException("EMA decay must be in [0, 1), got " + decay);
        }
        this.decay = decay;
        averages = new NDList(weights.size());
        // the scope closes the intermediate handles, which the weights' manager would keep
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (NDArray w : weights) {
                NDArray average = w.duplicate().stopGradient().toType(w.getDataType(), true);
                NDScope.unregister(average);
                average.attach(manager);
                averages.add(average);
            }
        }
    }

    public void update(List<NDArray> weights, long step) {
        double d = Math.min(decay, (1.0 + step) / (10.0 + step));
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray kept = Tensors.constant(averages.get(0), d);
            NDArray taken = Tensors.constant(averages.get(0), 1 - d);
            for (int i = 0; i < weights.size(); i++) {
                averages.get(i).muli(kept).addi(weights.get(i).mul(taken));
            }
        }
    }

    /** Exchanges the values of the live weights and the averages (call again to swap back). */
    public void swapInto(List<NDArray> weights) {
        for (int i = 0; i < weights.size(); i++) {
            NDArray live = weights.get(i).duplicate();
            Weights.copyInto(weights.get(i), averages.get(i));
            Weights.copyInto(averages.get(i), live);
            live.close();
        }
    }

    public NDList state() {
        return averages;
    }

    public void restore(NDList saved) {
        if (saved.size() != averages.size()) {
            throw new IllegalArgumentException(
                    "average state has "
                            + saved.size()
                            + " arrays, the model needs "
                            + averages.size());
        }
        for (int i = 0; i < averages.size(); i++) {
            Weights.copyInto(averages.get(i), saved.get(i));
        }
    }
}
