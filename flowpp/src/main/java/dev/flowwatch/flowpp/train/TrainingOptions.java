package dev.flowwatch.flowpp.train;

/**
 * How to fit a model. Build with {@link #builder()}: {@code setX} for what has no default, {@code
 * optX} for what has one; the defaults are Flow++'s recipe (Adam with warm-up, gradient clipping
 * and an EMA of the weights).
 */
public final class TrainingOptions {

    /** The initialisation's default: statistics of 512 images, or of one batch if larger. */
    public static final int DEFAULT_INIT_IMAGES = 512;

    private final int batchSize;
    private final double learningRate;
    private final int warmupSteps;
    private final double maxGradientNorm;
    private final double averageDecay;
    private final int epochs;
    private final long maxSteps;
    private final double maxMinutes;
    private final long seed;
    private final int validateEvery;
    private final int checkpointEvery;
    private final int validationImages;
    private final int maxNonFiniteInRow;
    private final double mutationRate;
    private final double weightDecay;
    private final int initImages;
    private final int microBatchSize;

    private TrainingOptions(Builder b) {
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.warmupSteps = b.warmupSteps;
        this.maxGradientNorm = b.maxGradientNorm;
        this.averageDecay = b.averageDecay;
        this.epochs = b.epochs;
        this.maxSteps = b.maxSteps;
        this.maxMinutes = b.maxMinutes;
        this.seed = b.seed;
        this.validateEvery = b.validateEvery;
        this.checkpointEvery = b.checkpointEvery;
        this.validationImages = b.validationImages;
        this.maxNonFiniteInRow = b.maxNonFiniteInRow;
        this.mutationRate = b.mutationRate;
        this.weightDecay = b.weightDecay;
        this.initImages = b.initImages;
        this.microBatchSize = b.microBatchSize;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Images per step. */
    public int batchSize() {
        return batchSize;
    }

    /** Adam's peak learning rate. */
    public double learningRate() {
        return learningRate;
    }

    /** Steps of linear learning-rate warm-up from 0 (Flow++ warms up; flows diverge without). */
    public int warmupSteps() {
        return warmupSteps;
    }

    /** Global gradient-norm clipping threshold; 0 disables clipping. */
    public double maxGradientNorm() {
        return maxGradientNorm;
    }

    /** Decay of the Polyak (EMA) average of the weights used for evaluation and saving. */
    public double averageDecay() {
        return averageDecay;
    }

    /** Stop after this many passes over the training set. */
    public int epochs() {
        return epochs;
    }

    /** Stop after this many steps in total (0: no limit). */
    public long maxSteps() {
        return maxSteps;
    }

    /** Stop after this much training time in total, across resumes (0: no limit). */
    public double maxMinutes() {
        return maxMinutes;
    }

    /**
     * Seed of shuffling, dequantization noise and dropout; a resumed run continues the same
     * sequence.
     */
    public long seed() {
        return seed;
    }

    /** Steps between validations (and points of the training curve). */
    public int validateEvery() {
        return validateEvery;
    }

    /** Steps between checkpoints (0: only at the end). */
    public int checkpointEvery() {
        return checkpointEvery;
    }

    /** At most this many validation images per validation. */
    public int validationImages() {
        return validationImages;
    }

    /** Abort after this many consecutive steps with a NaN/Inf loss or gradient. */
    public int maxNonFiniteInRow() {
        return maxNonFiniteInRow;
    }

    /**
     * Share of training pixels replaced by uniform noise in every batch, fresh each step; above 0
     * the run fits a background model for the likelihood-ratio score.
     */
    public double mutationRate() {
        return mutationRate;
    }

    /**
     * λ of an L2 penalty λ/2·Σw² on every weight, added to the loss in bits/dim (its gradient λ·w
     * joins the data's before clipping and Adam); 0 for none. Ren et al. (2019) fit the
     * likelihood-ratio score's background model with it, so that the background learns only what is
     * common to every image.
     */
    public double weightDecay() {
        return weightDecay;
    }

    /**
     * Images of the data-dependent initialisation (ActNorm statistics), at least one batch; they
     * pass through the model {@link #batchSize} at a time, so only time grows with it.
     */
    public int initImages() {
        return initImages;
    }

    /**
     * Images per forward and backward pass within a step, 0 for the whole batch: each slice's
     * gradients add up before the one update of the step, so a step needs the activations of one
     * slice, not of the batch (gradient accumulation). The update is the batch's, but for the
     * dequantization noise and dropout drawn per slice.
     */
    public int microBatchSize() {
        return microBatchSize;
    }

    /** Named training options; {@link #build()} checks them. */
    public static final class Builder {
        private int batchSize;
        private int epochs;
        private double learningRate = 1e-3;
        private int warmupSteps = 200;
        private double maxGradientNorm = 100;
        private double averageDecay = 0.999;
        private long maxSteps;
        private double maxMinutes;
        private long seed = 1;
        private int validateEvery = 200;
        private int checkpointEvery;
        private int validationImages = 1000;
        // a few skipped steps are noise, a long run of them means divergence
        private int maxNonFiniteInRow = 20;
        private double mutationRate;
        private double weightDecay;
        private int initImages = DEFAULT_INIT_IMAGES;
        private int microBatchSize;

        private Builder() {}

        /** Images per step. */
        public Builder setBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Passes over the training set at most. */
        public Builder setEpochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Adam's peak learning rate (default: 1e-3). */
        public Builder optLearningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /** Steps of linear learning-rate warm-up (default: 200). */
        public Builder optWarmupSteps(int warmupSteps) {
            this.warmupSteps = warmupSteps;
            return this;
        }

        /** Global gradient-norm clipping threshold, 0 for none (default: 100). */
        public Builder optMaxGradientNorm(double maxGradientNorm) {
            this.maxGradientNorm = maxGradientNorm;
            return this;
        }

        /** Decay of the EMA of the weights (default: 0.999). */
        public Builder optAverageDecay(double averageDecay) {
            this.averageDecay = averageDecay;
            return this;
        }

        /** Steps in total at most, 0 for no limit (default: 0). */
        public Builder optMaxSteps(long maxSteps) {
            this.maxSteps = maxSteps;
            return this;
        }

        /** Training minutes in total at most, across resumes; 0 for no limit (default: 0). */
        public Builder optMaxMinutes(double maxMinutes) {
            this.maxMinutes = maxMinutes;
            return this;
        }

        /** Seed of shuffling, dequantization noise and dropout (default: 1). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Steps between validations (default: 200). */
        public Builder optValidateEvery(int validateEvery) {
            this.validateEvery = validateEvery;
            return this;
        }

        /** Steps between checkpoints, 0 for only at the end (default: 0). */
        public Builder optCheckpointEvery(int checkpointEvery) {
            this.checkpointEvery = checkpointEvery;
            return this;
        }

        /** Validation images per validation at most (default: 1000). */
        public Builder optValidationImages(int validationImages) {
            this.validationImages = validationImages;
            return this;
        }

        /** Consecutive non-finite steps before the run aborts (default: 20). */
        public Builder optMaxNonFiniteInRow(int maxNonFiniteInRow) {
            this.maxNonFiniteInRow = maxNonFiniteInRow;
            return this;
        }

        /** Share of pixels replaced by noise, above 0 for a background model (default: 0). */
        public Builder optMutationRate(double mutationRate) {
            this.mutationRate = mutationRate;
            return this;
        }

        /** λ of the L2 penalty λ/2·Σw² on the weights, 0 for none (default: 0). */
        public Builder optWeightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /**
         * Images of the data-dependent initialisation (default: {@value
         * TrainingOptions#DEFAULT_INIT_IMAGES}).
         */
        public Builder optInitImages(int initImages) {
            this.initImages = initImages;
            return this;
        }

        /** Images per pass within a step, 0 for the whole batch (default: 0). */
        public Builder optMicroBatchSize(int microBatchSize) {
            this.microBatchSize = microBatchSize;
            return this;
        }

        /** The options; fails with a message naming the first value out of range. */
        public TrainingOptions build() {
            require(batchSize >= 1, "batch size must be >= 1 (setBatchSize)");
            require(epochs >= 1, "epochs must be >= 1 (setEpochs)");
            require(learningRate > 0, "learning rate must be > 0");
            require(warmupSteps >= 0, "warm-up steps must be >= 0");
            require(maxGradientNorm >= 0, "max gradient norm must be >= 0");
            require(averageDecay >= 0 && averageDecay < 1, "EMA decay must be in [0, 1)");
            require(maxSteps >= 0 && maxMinutes >= 0, "step and time limits must be >= 0");
            require(validateEvery >= 1, "validate-every must be >= 1");
            require(checkpointEvery >= 0, "checkpoint-every must be >= 0");
            require(validationImages >= 1, "validation images must be >= 1");
            require(maxNonFiniteInRow >= 1, "max non-finite steps in a row must be >= 1");
            require(mutationRate >= 0 && mutationRate < 1, "mutation rate must be in [0, 1)");
            require(
                    weightDecay >= 0 && Double.isFinite(weightDecay),
                    "weight decay must be finite and >= 0");
            require(initImages >= 1, "init images must be >= 1");
            require(microBatchSize >= 0, "micro-batch size must be >= 0");
            return new TrainingOptions(this);
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
