package dev.flowwatch.flowpp.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

import dev.flowwatch.flowpp.nn.Tensors;

import java.util.List;

/**
 * Adam (Kingma &amp; Ba, 2015) over a fixed list of parameter arrays, with its moment estimates
 * exposed for checkpoints: DJL's own optimizers keep their state private, which would make an exact
 * resume impossible.
 */
public final class AdamOptimizer {

    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final NDList firstMoments;
    private final NDList secondMoments;

    public AdamOptimizer(
            List<NDArray> weights, NDManager manager, double beta1, double beta2, double epsilon) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        firstMoments = new NDList(weights.size());
        secondMoments = new NDList(weights.size());
        for (NDArray w : weights) {
            firstMoments.add(manager.zeros(w.getShape(), w.getDataType()));
            secondMoments.add(manager.zeros(w.getShape(), w.getDataType()));
        }
    }

    /**
     * One update in place, without recording gradients.
     *
     * @param step 1-based step number, for the bias correction of the moment estimates
     */
    public void update(
            List<NDArray> weights, List<NDArray> gradients, double learningRate, long step) {
        double stepSize =
                learningRate * Math.sqrt(1 - Math.pow(beta2, step)) / (1 - Math.pow(beta1, step));
        // the step's constants once, on the weights' device, for every parameter
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray like = weights.get(0);
            NDArray b1 = Tensors.constant(like, beta1);
            NDArray rest1 = Tensors.constant(like, 1 - beta1);
            NDArray b2 = Tensors.constant(like, beta2);
            NDArray rest2 = Tensors.constant(like, 1 - beta2);
            NDArray eps = Tensors.constant(like, epsilon);
            NDArray size = Tensors.constant(like, stepSize);
            for (int i = 0; i < weights.size(); i++) {
                try (NDScope parameter = new NDScope()) {
                    parameter.suppressNotUsedWarning();
                    NDArray g = gradients.get(i);
                    NDArray m = firstMoments.get(i);
                    NDArray v = secondMoments.get(i);
                    m.muli(b1).addi(g.mul(rest1));
                    v.muli(b2).addi(g.square().mul(rest2));
                    weights.get(i).subi(m.div(v.sqrt().add(eps)).mul(size));
                }
            }
        }
    }

    /** First and second moments, in that order, for a checkpoint. */
    public NDList state() {
        NDList all = new NDList(firstMoments.size() * 2);
        all.addAll(firstMoments);
        all.addAll(secondMoments);
        return all;
    }

    public void restore(NDList saved) {
        if (saved.size() != firstMoments.size() * 2) {
            throw new IllegalArgumentException(
                    "optimizer state has "
                            + saved.size()
                            + " arrays, the model needs "
                            + firstMoments.size() * 2);
        }
        for (int i = 0; i < firstMoments.size(); i++) {
            Weights.copyInto(firstMoments.get(i), saved.get(i));
            Weights.copyInto(secondMoments.get(i), saved.get(firstMoments.size() + i));
        }
    }
}
