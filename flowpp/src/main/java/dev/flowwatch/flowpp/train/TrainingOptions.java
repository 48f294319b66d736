package dev.flowwatch.flowpp.train;

/**
 * How to fit a model.
 *
 * @param batchSize images per step
 * @param learningRate Adam's peak learning rate
 * @param warmupSteps steps of linear learning-rate warm-up from 0 (Flow++ warms up; flows diverge
 *     without)
 * @param maxGradientNorm global gradient-norm clipping threshold; 0 disables clipping
 * @param averageDecay decay of the Polyak (EMA) average of the weights used for evaluation and
 *     saving
 * @param epochs stop after this many passes over the training set
 * @param maxSteps stop after this many steps in total (0: no limit)
 * @param maxMinutes stop after this much training time in total, across resumes (0: no limit)
 * @param seed seed of shuffling, dequantization noise and dropout; a resumed run continues the same
 *     sequence
 * @param validateEvery steps between validations (and points of the training curve)
 * @param checkpointEvery steps between checkpoints (0: only at the end)
 * @param validationImages at most this many validation images per validation
 * @param maxNonFiniteInRow abort after this many consecutive steps with a NaN/Inf loss or gradient
 * @param mutationRate share of training pixels replaced by uniform noise in every batch, fresh each
 *     step; above 0 the run fits a background model for the likelihood-ratio score
 * @param initImages images of the data-dependent initialisation (ActNorm statistics), at least one
 *     batch; they pass through the model {@code batchSize} at a time, so only time grows with it
 */
public record TrainingOptions(
        int batchSize,
        double learningRate,
        int warmupSteps,
        double maxGradientNorm,
        double averageDecay,
        int epochs,
        long maxSteps,
        double maxMinutes,
        long seed,
        int validateEvery,
        int checkpointEvery,
        int validationImages,
        int maxNonFiniteInRow,
        double mutationRate,
        int initImages) {

    /** The initialisation's default: statistics of 512 images, or of one batch if larger. */
    public static final int DEFAULT_INIT_IMAGES = 512;

    /** Options with the default {@link #DEFAULT_INIT_IMAGES}. */
    public TrainingOptions(
            int batchSize,
            double learningRate,
            int warmupSteps,
            double maxGradientNorm,
            double averageDecay,
            int epochs,
            long maxSteps,
            double maxMinutes,
            long seed,
            int validateEvery,
            int checkpointEvery,
            int validationImages,
            int maxNonFiniteInRow,
            double mutationRate) {
        this(
                batchSize,
                learningRate,
                warmupSteps,
                maxGradientNorm,
                averageDecay,
                epochs,
                maxSteps,
                maxMinutes,
                seed,
                validateEvery,
                checkpointEvery,
                validationImages,
                maxNonFiniteInRow,
                mutationRate,
                DEFAULT_INIT_IMAGES);
    }

    public TrainingOptions {
        require(batchSize >= 1, "batch size must be >= 1");
        require(learningRate > 0, "learning rate must be > 0");
        require(warmupSteps >= 0, "warm-up steps must be >= 0");
        require(maxGradientNorm >= 0, "max gradient norm must be >= 0");
        require(averageDecay >= 0 && averageDecay < 1, "EMA decay must be in [0, 1)");
        require(epochs >= 1, "epochs must be >= 1");
        require(maxSteps >= 0 && maxMinutes >= 0, "step and time limits must be >= 0");
        require(validateEvery >= 1, "validate-every must be >= 1");
        require(checkpointEvery >= 0, "checkpoint-every must be >= 0");
        require(validationImages >= 1, "validation images must be >= 1");
        require(maxNonFiniteInRow >= 1, "max non-finite steps in a row must be >= 1");
        require(mutationRate >= 0 && mutationRate < 1, "mutation rate must be in [0, 1)");
        require(initImages >= 1, "init images must be >= 1");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
