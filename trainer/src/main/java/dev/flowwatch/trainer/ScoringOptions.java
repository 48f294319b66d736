package dev.flowwatch.trainer;

import dev.flowwatch.flowpp.model.LikelihoodScorer;
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
            description =
                    "Use only the first N images of each data set, reading no further (a"
                            + " folder's set is then grey when its first N images are).")
    private Integer limit;

    @Option(
            names = "--noise-seed",
            defaultValue = "" + LikelihoodScorer.DEFAULT_NOISE_SEED,
            paramLabel = "S",
            description =
                    "Seed of the dequantization noise (default: ${DEFAULT-VALUE}, the streaming"
                            + " app's): a bank drawn once, of which each image takes the rows a"
                            + " hash of its pixels picks, so that a score depends on the image,"
                            + " not on its batch, and every score equals the one the app streams"
                            + " for the same image. Calibrate with the default.")
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
