package dev.flowwatch.trainer;

import dev.flowwatch.trainer.Arguments.NonNegativeInt;
import dev.flowwatch.trainer.Arguments.PositiveInt;

import picocli.CommandLine.Option;

/** How the commands that score images with a model do it: batches, bound and how many images. */
final class ScoringOptions {

    @Option(
            names = "--iw-samples",
            defaultValue = "0",
            paramLabel = "K",
            converter = NonNegativeInt.class,
            description =
                    "Dequantization samples of the importance-weighted bound (bpd_iw), tighter than"
                            + " the ELBO and K times slower; 0: ELBO only (default:"
                            + " ${DEFAULT-VALUE}).")
    private int iwSamples;

    @Option(
            names = "--batch-size",
            defaultValue = "64",
            paramLabel = "N",
            converter = PositiveInt.class,
            description = "Images per batch (default: ${DEFAULT-VALUE}).")
    private int batchSize;

    @Option(
            names = "--passes",
            defaultValue = "1",
            paramLabel = "N",
            converter = PositiveInt.class,
            description =
                    "Batches scored at once, each on a thread of its own (default:"
                            + " ${DEFAULT-VALUE}); the scores do not depend on it. For batches too"
                            + " small to keep the device busy while the host issues their"
                            + " operators; each pass holds a batch's activations.")
    private int passes;

    @Option(
            names = "--limit",
            paramLabel = "N",
            converter = PositiveInt.class,
            description = "Use only the first N images of each data set.")
    private Integer limit;

    @Option(
            names = "--noise-seed",
            defaultValue = "1",
            paramLabel = "S",
            description =
                    "Seed of the dequantization noise, drawn afresh for each batch (default:"
                            + " ${DEFAULT-VALUE}). The streaming app scores with seed 42: with"
                            + " --noise-seed 42 --batch-size 1 every score equals the one it"
                            + " streams for the same image in a batch of its own.")
    private int noiseSeed;

    /** K of the importance-weighted bound, 0 when it is not computed. */
    int iwSamples() {
        return iwSamples;
    }

    int batchSize() {
        return batchSize;
    }

    /** Batches scored at once. */
    int passes() {
        return passes;
    }

    int noiseSeed() {
        return noiseSeed;
    }

    /** The most images to use of each set, or null for all. */
    Integer limit() {
        return limit;
    }
}
