package dev.flowwatch.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.flow.Bisection;
import dev.flowwatch.flowpp.flow.FlowContext;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import java.util.function.IntConsumer;

/** Draws images from a model into an {@link ImageSet}, batch by batch. */
final class Sampler {

    /** Bounds the memory of the inverse pass, whose bisection keeps several copies of a batch. */
    private static final int BATCH = 64;

    private Sampler() {}

    /**
     * Draws {@code count} images; the same seed gives the same images from the same weights, so
     * the samples of successive checkpoints differ only by training.
     *
     * @param progress receives the number of images drawn so far
     */
    static ImageSet sample(FlowPlusPlus model, NDManager manager, int count, double temperature, int seed,
            Bisection bisection, IntConsumer progress) {
        FlowConfig config = model.config();
        FlowContext context = FlowContext.inference().withBisection(bisection);
        float[] pixels = new float[count * config.dimensions()];
        Engine.getInstance().setRandomSeed(seed);
        for (int from = 0; from < count; from += BATCH) {
            int n = Math.min(BATCH, count - from);
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                float[] batch = model.sample(manager, n, temperature, context)
                        .toType(DataType.FLOAT32, false).toFloatArray();
                System.arraycopy(batch, 0, pixels, from * config.dimensions(), batch.length);
            }
            progress.accept(from + n);
        }
        return ImageSet.fromFloats(pixels, config.channels(), config.height(), config.width(),
                count + " samples at temperature " + temperature);
    }
}
