package dev.flowwatch.flowpp.bundle;

import dev.flowwatch.flowpp.model.FlowConfig;

import java.util.Map;

/**
 * The {@code bundle.json} of a model bundle.
 *
 * @param format always {@value ModelBundle#FORMAT}
 * @param formatVersion layout version of the bundle, {@value ModelBundle#FORMAT_VERSION} today
 * @param modelId a stable name of what the model models (e.g. "fashion-mnist-small")
 * @param modelVersion identifies these exact weights (time of writing plus a checksum prefix)
 * @param createdAt ISO-8601 instant of writing
 * @param config the architecture, enough to rebuild the model before loading its weights
 * @param parametersSha256 SHA-256 of {@code parameters.bin}, hex
 * @param parametersBytes size of {@code parameters.bin}
 * @param metrics training metrics and provenance (steps, bits/dim, data), free-form
 */
public record BundleManifest(
        String format,
        int formatVersion,
        String modelId,
        String modelVersion,
        String createdAt,
        FlowConfig config,
        String parametersSha256,
        long parametersBytes,
        Map<String, Object> metrics) {

    /**
     * The metric of a background model: the share of pixels replaced by noise in its training
     * images.
     */
    public static final String MUTATION_RATE = "mutationRate";

    /** The metric of a model fitted with an L2 penalty: its λ (absent when there was none). */
    public static final String WEIGHT_DECAY = "weightDecay";

    /** The metric of a training checkpoint: images per step. */
    public static final String BATCH_SIZE = "batchSize";

    /** The metric of a training checkpoint: the run's limit of epochs. */
    public static final String EPOCH_LIMIT = "epochLimit";

    /** The metric of a training checkpoint: the run's limit of steps, 0 for none. */
    public static final String MAX_STEPS = "maxSteps";

    /** The metric of a training checkpoint: the run's limit of training minutes, 0 for none. */
    public static final String MAX_MINUTES = "maxMinutes";

    /** The metric of a training checkpoint: Adam's peak learning rate. */
    public static final String LEARNING_RATE = "learningRate";

    /** The metric of a training checkpoint: steps of learning-rate warm-up. */
    public static final String WARMUP_STEPS = "warmupSteps";

    /** The metric of a training checkpoint: the clip of the global gradient norm, 0 for none. */
    public static final String MAX_GRADIENT_NORM = "maxGradientNorm";

    /** The metric of a training checkpoint: the decay of the saved weight average. */
    public static final String AVERAGE_DECAY = "averageDecay";

    /** The metric of a training checkpoint: steps between validations. */
    public static final String VALIDATE_EVERY = "validateEvery";

    /** The metric of a training checkpoint: steps between checkpoints. */
    public static final String CHECKPOINT_EVERY = "checkpointEvery";

    /** The metric of a training checkpoint: images of each validation. */
    public static final String VALIDATION_IMAGES = "validationImages";

    /** The metric of a training checkpoint: images of the training set. */
    public static final String TRAINING_IMAGES = "trainingImages";

    /**
     * The metric of a training checkpoint: the SHA-256 of each file of its training state (raw
     * weights, optimizer moments, progress), by path, checked on resume as the weights are on load.
     */
    public static final String TRAINING_STATE_SHA256 = "trainingStateSha256";

    /** The metric of a training checkpoint: {@code ImageSet#sha256()} of the training set. */
    public static final String TRAINING_SHA256 = "trainingSha256";

    /**
     * The metric of a training checkpoint: the share of the training data held out for validation,
     * 0 when the validation images were a set of their own.
     */
    public static final String VALIDATION_SPLIT = "validationSplit";
}
