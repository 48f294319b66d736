package dev.flowwatch.flowpp.orientation;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.nn.Tensors;
import dev.flowwatch.flowpp.train.AdamOptimizer;
import dev.flowwatch.flowpp.train.Weights;

import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Fits an {@link OrientationNet} to normal images: each step shows it a batch of images in all four
 * orientations and lowers the cross-entropy of the turns it names, with Adam. No labels are needed:
 * the turns are the labels. Batches are drawn from a seeded generator, so a run is reproducible on
 * one device.
 */
public final class OrientationTrainer {

    /**
     * @param steps optimisation steps
     * @param batchSize images per step (each in four orientations, so four times as many inputs)
     * @param learningRate Adam's step size
     * @param seed of the batches and of the initial weights
     */
    public record Options(int steps, int batchSize, double learningRate, long seed) {
        public Options {
            if (steps < 1 || batchSize < 1 || !(learningRate > 0)) {
                throw new IllegalArgumentException(
                        "steps and batch size must be at least 1 and the learning rate positive;"
                                + " got %d, %d, %s".formatted(steps, batchSize, learningRate));
            }
        }
    }

    /**
     * @param steps steps taken
     * @param loss mean cross-entropy of the last tenth of the steps, nats
     * @param validationAccuracy share of validation images, in all four orientations, whose turn
     *     the network names; 0.25 is chance
     * @param seconds training time
     */
    public record Result(int steps, double loss, double validationAccuracy, double seconds) {}

    /** Images per forward pass when measuring the accuracy. */
    private static final int EVALUATION_BATCH = 256;

    private final OrientationNet net;
    private final NDManager manager;

    public OrientationTrainer(OrientationNet net, NDManager manager) {
        this.net = net;
        this.manager = manager;
    }

    /**
     * Trains the network in place.
     *
     * @param progress receives the number of steps done after each step
     */
    public Result train(
            ImageSet images, ImageSet validation, Options options, IntConsumer progress) {
        if (images.size() == 0) {
            throw new IllegalArgumentException("no images to train the orientation network on");
        }
        List<NDArray> weights = Weights.recordingGradients(net);
        AdamOptimizer adam = new AdamOptimizer(weights, manager, 0.9, 0.999, 1e-8);
        Random random = new Random(options.seed());
        long started = System.nanoTime();
        int tail = Math.max(1, options.steps() / 10);
        double tailLoss = 0;
        for (int step = 1; step <= options.steps(); step++) {
            int[] batch = random.ints(options.batchSize(), 0, images.size()).toArray();
            double loss = step(images.select(batch), weights, adam, options.learningRate(), step);
            if (step > options.steps() - tail) {
                tailLoss += loss / tail;
            }
            progress.accept(step);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Result(options.steps(), tailLoss, accuracy(validation), seconds);
    }

    /** The share of the images, in all four orientations, whose turn the network names. */
    public double accuracy(ImageSet images) {
        if (images.size() == 0) {
            return Double.NaN;
        }
        long right = 0;
        for (int from = 0; from < images.size(); from += EVALUATION_BATCH) {
            int to = Math.min(images.size(), from + EVALUATION_BATCH);
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray x = toArray(images.slice(from, to));
                for (int turns = 0; turns < OrientationNet.TURNS; turns++) {
                    long[] named =
                            net.logits(OrientationNet.turned(x, turns))
                                    .argMax(1)
                                    .toType(DataType.INT64, false)
                                    .toLongArray();
                    for (long n : named) {
                        right += n == turns ? 1 : 0;
                    }
                }
            }
        }
        return right / (double) (images.size() * OrientationNet.TURNS);
    }

    /** One Adam step on the batch in four orientations; returns its mean cross-entropy. */
    private double step(
            ImageSet batch,
            List<NDArray> weights,
            AdamOptimizer adam,
            double learningRate,
            int step) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = toArray(batch);
            double loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDList turned = new NDList(OrientationNet.TURNS);
                for (int turns = 0; turns < OrientationNet.TURNS; turns++) {
                    turned.add(OrientationNet.turned(x, turns));
                }
                NDArray logProbabilities = net.logits(NDArrays.concat(turned)).logSoftmax(1);
                // inputs are grouped by turn: the first batch upright, then one turn, ...
                NDArray labels =
                        manager.arange(OrientationNet.TURNS)
                                .repeat(batch.size())
                                .oneHot(OrientationNet.TURNS, logProbabilities.getDataType());
                NDArray mean =
                        Tensors.div(
                                logProbabilities.mul(labels).sum().neg(),
                                batch.size() * (double) OrientationNet.TURNS);
                collector.backward(mean);
                loss = Tensors.scalar(mean);
            }
            List<NDArray> gradients = weights.stream().map(NDArray::getGradient).toList();
            adam.update(weights, gradients, learningRate, step);
            Weights.zeroGradients(gradients);
            return loss;
        }
    }

    private NDArray toArray(ImageSet images) {
        return manager.create(
                images.toFloats(0, images.size()),
                new Shape(images.size(), images.channels(), images.height(), images.width()));
    }
}
