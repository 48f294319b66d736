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

    /**
     * Images drawn per pass; fixed, so that the prior draws, and with them the samples, do not
     * depend on the memory setting {@code chunkSize}.
     */
    private static final int BATCH = 64;

    private Sampler() {}

    /**
     * Draws {@code count} images; the same seed gives the same images from the same weights, so the
     * samples of successive checkpoints differ only by training.
     *
     * @param chunkSize the most images the inverse pass's conditioning networks see at once
     *     ({@link FlowContext#chunkSize()}): bounds memory without changing the samples
     * @param progress receives the number of images drawn so far
     */
    static ImageSet sample(
            FlowPlusPlus model,
            NDManager manager,
            int count,
            double temperature,
            int seed,
            Bisection bisection,
            int chunkSize,
            IntConsumer progress) {
        FlowConfig config = model.config();
        FlowContext context =
                FlowContext.inference().withBisection(bisection).withChunkSize(chunkSize);
        float[] pixels = new float[count * config.dimensions()];
        Engine.getInstance().setRandomSeed(seed);
        for (int from = 0; from < count; from += BATCH) {
            int n = Math.min(BATCH, count - from);
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                float[] batch =
                        model.sample(manager, n, temperature, context)
                                .toType(DataType.FLOAT32, false)
                                .toFloatArray();
                System.arraycopy(batch, 0, pixels, from * config.dimensions(), batch.length);
            }
            progress.accept(from + n);
        }
        return ImageSet.fromFloats(
                pixels,
                config.channels(),
                config.height(),
                config.width(),
                count + " samples at temperature " + temperature);
    }
}
