package dev.flowwatch.flowpp.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.PixelMutation;
import dev.flowwatch.flowpp.flow.FlowContext;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.nn.Tensors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Fits a {@link FlowPlusPlus} by maximising the ELBO with Adam, learning-rate warm-up, gradient
 * clipping and Polyak averaging; validates and checkpoints with the averaged weights.
 *
 * <p>Randomness is a function of (seed, step) — the batch order of each epoch and the engine seed
 * of each step — so a run resumed from a checkpoint takes exactly the steps the uninterrupted run
 * would.
 */
public final class FlowTrainer {

    static final String STATE = "training/state.json";
    static final String RAW_WEIGHTS = "training/weights.bin";
    static final String OPTIMIZER = "training/optimizer.bin";
    private static final double LN2 = Math.log(2);

    /** One fixed mutation of the validation images, so that validations compare like with like. */
    private static final long VALIDATION_MUTATION_SEED = -3;

    private final FlowPlusPlus model;
    private final NDManager manager;
    private final TrainingOptions options;
    private final List<NDArray> weights;
    private final Path resumedFrom;

    /** Where this trainer wrote its last checkpoint, null before the first. */
    private Path checkpointedTo;

    private Restored toRestore;
    private TrainingProgress progress;
    private ImageSet hashed;
    private String hashedSha256;

    /**
     * A checkpoint's raw weights and Adam moments, until the run's start copies them into its own
     * arrays and closes these: held longer, they would take three times the weights' memory.
     */
    private record Restored(NDList rawWeights, NDList optimizer) implements AutoCloseable {
        @Override
        public void close() {
            rawWeights.close();
            optimizer.close();
        }
    }

    /** A fresh run of an initialised model. */
    public FlowTrainer(FlowPlusPlus model, NDManager manager, TrainingOptions options) {
        this(model, manager, options, TrainingProgress.start(), null, null);
    }

    private FlowTrainer(
            FlowPlusPlus model,
            NDManager manager,
            TrainingOptions options,
            TrainingProgress progress,
            Path resumedFrom,
            Restored toRestore) {
        this.model = model;
        this.manager = manager;
        this.options = options;
        this.weights = Weights.recordingGradients(model);
        this.progress = progress;
        this.resumedFrom = resumedFrom;
        this.toRestore = toRestore;
    }

    /** Continues the run saved in a checkpoint bundle, with the same or extended limits. */
    public static FlowTrainer resume(Path checkpoint, NDManager manager, TrainingOptions options) {
        ModelBundle bundle = ModelBundle.load(checkpoint, manager);
        Path state = checkpoint.resolve(STATE);
        if (!Files.isRegularFile(state)) {
            throw new BundleException(
                    state, "missing: this bundle is a final model, not a resumable checkpoint");
        }
        Object recorded = bundle.manifest().metrics().get(BundleManifest.TRAINING_STATE_SHA256);
        Map<?, ?> hashes = recorded instanceof Map<?, ?> m ? m : Map.of();
        byte[] progressJson = stateFile(checkpoint, STATE, hashes);
        byte[] raw = stateFile(checkpoint, RAW_WEIGHTS, hashes);
        byte[] adam = stateFile(checkpoint, OPTIMIZER, hashes);
        TrainingProgress progress;
        try {
            progress =
                    ModelBundleJson.read(
                            new String(progressJson, StandardCharsets.UTF_8),
                            TrainingProgress.class);
            Objects.requireNonNull(progress, "empty");
        } catch (RuntimeException e) {
            throw new BundleException(state, "unreadable: " + e.getMessage(), e);
        }
        return new FlowTrainer(
                bundle.model(),
                manager,
                options,
                progress,
                checkpoint,
                new Restored(
                        decode(manager, checkpoint, RAW_WEIGHTS, raw),
                        decode(manager, checkpoint, OPTIMIZER, adam)));
    }

    /**
     * A file of the training state, checked against the SHA-256 the checkpoint's manifest records
     * (checkpoints of earlier versions record none): a truncated or foreign file is named, not
     * decoded into a cryptic failure or, worse, into another run's weights.
     */
    private static byte[] stateFile(Path checkpoint, String path, Map<?, ?> hashes) {
        Path file = checkpoint.resolve(path);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BundleException(file, "unreadable: " + e.getMessage(), e);
        }
        Object expected = hashes.get(path);
        if (expected != null && !expected.equals(ModelBundle.sha256(bytes))) {
            throw new BundleException(
                    file,
                    "does not match the SHA-256 its bundle.json records: a damaged or foreign"
                            + " file; train afresh, or resume from a copy of the folder");
        }
        return bytes;
    }

    private static NDList decode(NDManager manager, Path checkpoint, String path, byte[] bytes) {
        try {
            return NDList.decode(manager, bytes);
        } catch (RuntimeException e) {
            throw new BundleException(checkpoint.resolve(path), "unreadable: " + e, e);
        }
    }

    public FlowPlusPlus model() {
        return model;
    }

    public TrainingProgress progress() {
        return progress;
    }

    /**
     * Trains until a limit is reached, checkpointing into {@code out}; returns the final progress.
     */
    public TrainingProgress fit(
            ImageSet train,
            ImageSet validation,
            Path out,
            String modelId,
            TrainingListener listener) {
        requireShape(train);
        requireShape(validation);
        if (validation.size() == 0) {
            // its bits/dim would be 0/0, recorded as the run's validation without a word
            throw new IllegalArgumentException(
                    validation.description() + " has no images to validate on");
        }
        int batchesPerEpoch = train.size() / options.batchSize();
        if (batchesPerEpoch == 0) {
            throw new IllegalArgumentException(
                    "training set has "
                            + train.size()
                            + " images, fewer than one batch of "
                            + options.batchSize());
        }
        ImageSet heldOut = mutated(validation, VALIDATION_MUTATION_SEED);
        if (resumedFrom == null) {
            initializeFromData(train);
        }
        AdamOptimizer adam = new AdamOptimizer(weights, manager, 0.9, 0.999, 1e-8);
        // the averages start from the weights as loaded: for a checkpoint these are the saved
        // averages
        ParameterAverage average = new ParameterAverage(weights, manager, options.averageDecay());
        if (toRestore != null) {
            Restored restoring = toRestore;
            toRestore = null;
            try (Restored saved = restoring) {
                adam.restore(saved.optimizer());
                for (int i = 0; i < weights.size(); i++) {
                    Weights.copyInto(weights.get(i), saved.rawWeights().get(i));
                }
            }
        }
        long totalSteps = (long) options.epochs() * batchesPerEpoch;
        if (options.maxSteps() > 0) {
            totalSteps = Math.min(totalSteps, options.maxSteps());
        }
        double trainSum = 0;
        int trainCount = 0;
        double imagesPerSecond = 0;
        long lastCheckpoint = progress.step();
        while (!finished(totalSteps)) {
            long started = System.nanoTime();
            int[] batch = batchIndices(train.size(), progress.epoch(), progress.batchInEpoch());
            double bpd =
                    step(mutated(train.select(batch), stepSeed(progress.step())), adam, average);
            boolean finite = Double.isFinite(bpd);
            if (finite) {
                trainSum += bpd;
                trainCount++;
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            advance(batchesPerEpoch, finite, seconds);
            double rate = options.batchSize() / seconds;
            imagesPerSecond = imagesPerSecond == 0 ? rate : 0.9 * imagesPerSecond + 0.1 * rate;
            listener.onStep(
                    progress, bpd, imagesPerSecond, expectedSteps(totalSteps, imagesPerSecond));
            if (progress.step() % options.validateEvery() == 0 || finished(totalSteps)) {
                if (trainCount > 0) {
                    progress =
                            progress.withCurvePoint(
                                    new TrainingProgress.CurvePoint(
                                            progress.step(), "train", trainSum / trainCount));
                }
                trainSum = 0;
                trainCount = 0;
                long validating = System.nanoTime();
                average.swapInto(weights);
                double validationBpd = evaluate(heldOut);
                average.swapInto(weights);
                progress =
                        progress.withCurvePoint(
                                        new TrainingProgress.CurvePoint(
                                                progress.step(), "validation", validationBpd))
                                .plusElapsed((System.nanoTime() - validating) / 1e9);
            }
            boolean due =
                    options.checkpointEvery() > 0
                            && progress.step() - lastCheckpoint >= options.checkpointEvery();
            if (due || finished(totalSteps)) {
                long writing = System.nanoTime();
                checkpoint(out, modelId, train, adam, average, listener);
                lastCheckpoint = progress.step();
                // counted from now on: the checkpoint just written holds the time before it
                progress = progress.plusElapsed((System.nanoTime() - writing) / 1e9);
            }
        }
        return progress;
    }

    /**
     * The step budget, or where the time budget will end at the current speed if that comes first.
     */
    private long expectedSteps(long totalSteps, double imagesPerSecond) {
        if (options.maxMinutes() <= 0 || imagesPerSecond <= 0) {
            return totalSteps;
        }
        double secondsLeft = Math.max(0, options.maxMinutes() * 60 - progress.elapsedSeconds());
        long byTime =
                progress.step()
                        + (long) Math.ceil(secondsLeft * imagesPerSecond / options.batchSize());
        return Math.min(totalSteps, byTime);
    }

    private boolean finished(long totalSteps) {
        return progress.step() >= totalSteps
                || (options.maxMinutes() > 0
                        && progress.elapsedSeconds() >= options.maxMinutes() * 60);
    }

    private void advance(int batchesPerEpoch, boolean finite, double seconds) {
        int nextBatch = progress.batchInEpoch() + 1;
        int epoch = progress.epoch();
        if (nextBatch >= batchesPerEpoch) {
            nextBatch = 0;
            epoch++;
        }
        int inRow = finite ? 0 : progress.nonFiniteInRow() + 1;
        progress =
                new TrainingProgress(
                        progress.step() + 1,
                        epoch,
                        nextBatch,
                        progress.nonFiniteSteps() + (finite ? 0 : 1),
                        inRow,
                        progress.trainingSeconds() + seconds,
                        progress.curve(),
                        progress.elapsedSeconds() + seconds);
        if (inRow >= options.maxNonFiniteInRow()) {
            throw new TrainingAbortedException(
                    String.format(
                            "aborted at step %d: %d steps in a row had a NaN/Inf loss or gradient"
                                    + " (%d in total). Lower --lr, raise --warmup-steps or set"
                                    + " --max-grad-norm.",
                            progress.step(), inRow, progress.nonFiniteSteps()));
        }
    }

    /** One optimisation step; returns the batch's bits/dim, or NaN if the step was skipped. */
    private double step(ImageSet batch, AdamOptimizer adam, ParameterAverage average) {
        Engine.getInstance().setRandomSeed(stepSeed(progress.step()));
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            double bpd = 0;
            int slice = options.microBatchSize() > 0 ? options.microBatchSize() : batch.size();
            double scale = batch.size() * (double) batch.dimensions() * LN2;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                for (int from = 0; from < batch.size(); from += slice) {
                    // a slice's backward frees its graph and its scope the arrays that remain, so
                    // the next slice starts from the memory of none
                    try (NDScope sliceScope = new NDScope()) {
                        sliceScope.suppressNotUsedWarning();
                        ImageSet images = batch.slice(from, Math.min(batch.size(), from + slice));
                        NDArray loss =
                                Tensors.div(
                                        model.elbo(toArray(images), FlowContext.fitting())
                                                .sum()
                                                .neg(),
                                        scale);
                        collector.backward(loss);
                        bpd += Tensors.scalar(loss);
                    }
                }
            }
            List<NDArray> gradients = weights.stream().map(NDArray::getGradient).toList();
            if (options.weightDecay() > 0) {
                NDArray decay = Tensors.constant(weights.get(0), options.weightDecay());
                for (int i = 0; i < weights.size(); i++) {
                    gradients.get(i).addi(weights.get(i).mul(decay));
                }
            }
            double norm = gradientNorm(gradients);
            if (Double.isFinite(bpd) && Double.isFinite(norm)) {
                if (options.maxGradientNorm() > 0 && norm > options.maxGradientNorm()) {
                    NDArray clipping =
                            Tensors.constant(gradients.get(0), options.maxGradientNorm() / norm);
                    for (NDArray g : gradients) {
                        g.muli(clipping);
                    }
                }
                // Adam's bias correction and the warm-up count updates: a skipped step made none
                long t = progress.step() - progress.nonFiniteSteps() + 1;
                double lr =
                        options.learningRate()
                                * Math.min(1.0, (double) t / Math.max(1, options.warmupSteps()));
                adam.update(weights, gradients, lr, t);
                average.update(weights, t);
            } else {
                bpd = Double.NaN;
            }
            Weights.zeroGradients(gradients);
            return bpd;
        }
    }

    /**
     * The gradients' joint L2 norm, read back once: a read per parameter would make the host wait
     * for the device hundreds of times a step. Each parameter's sum of squares is summed in
     * float64, as the host did before.
     */
    private static double gradientNorm(List<NDArray> gradients) {
        NDList squares = new NDList(gradients.size());
        for (NDArray g : gradients) {
            squares.add(g.square().sum().toType(DataType.FLOAT64, false));
        }
        return Math.sqrt(Tensors.scalar(NDArrays.stack(squares).sum()));
    }

    /** Mean negative ELBO in bits/dim over at most {@code validationImages} images. */
    public double evaluate(ImageSet images) {
        int n = Math.min(images.size(), options.validationImages());
        Engine.getInstance().setRandomSeed(stepSeed(-1));
        double sum = 0;
        for (int from = 0; from < n; from += options.batchSize()) {
            int to = Math.min(n, from + options.batchSize());
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray elbo = model.elbo(toArray(images.slice(from, to)), FlowContext.inference());
                sum += Tensors.scalar(elbo.sum());
            }
        }
        return -sum / (n * (double) images.dimensions() * LN2);
    }

    private void initializeFromData(ImageSet train) {
        Engine.getInstance().setRandomSeed(stepSeed(-2));
        int n = Math.min(train.size(), Math.max(options.batchSize(), options.initImages()));
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ImageSet first = train.select(batchIndices(train.size(), 0, 0, n));
            model.initializeFromData(toArray(mutated(first, stepSeed(-2))), options.batchSize());
        }
    }

    /** Whether {@code dir} holds a checkpoint that {@link #resume} could continue. */
    public static boolean holdsCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve(ModelBundle.MANIFEST))
                && Files.isRegularFile(dir.resolve(STATE));
    }

    public static boolean sameDirectory(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** The training set's SHA-256, hashed once: checkpoints come every few minutes. */
    private String trainingSha256(ImageSet train) {
        if (hashed != train) {
            hashed = train;
            hashedSha256 = train.sha256();
        }
        return hashedSha256;
    }

    private void checkpoint(
            Path out,
            String modelId,
            ImageSet train,
            AdamOptimizer adam,
            ParameterAverage average,
            TrainingListener listener) {
        byte[] raw = new NDList(weights).encode();
        byte[] optimizer = adam.state().encode();
        byte[] state = ModelBundleJson.write(progress).getBytes(StandardCharsets.UTF_8);
        BundleWriter writer =
                new BundleWriter(out, modelId)
                        .file(STATE, state)
                        .file(RAW_WEIGHTS, raw)
                        .file(OPTIMIZER, optimizer)
                        .metric(
                                BundleManifest.TRAINING_STATE_SHA256,
                                Map.of(
                                        STATE,
                                        ModelBundle.sha256(state),
                                        RAW_WEIGHTS,
                                        ModelBundle.sha256(raw),
                                        OPTIMIZER,
                                        ModelBundle.sha256(optimizer)))
                        .metric("steps", progress.step())
                        .metric(
                                "epochs",
                                progress.epoch()
                                        + (double) progress.batchInEpoch()
                                                / Math.max(1, train.size() / options.batchSize()))
                        .metric("trainingSeconds", progress.trainingSeconds())
                        .metric("elapsedSeconds", progress.elapsedSeconds())
                        .metric("validationBitsPerDim", progress.lastValidationBitsPerDim())
                        .metric("nonFiniteSteps", progress.nonFiniteSteps())
                        .metric("trainingData", train.description())
                        .metric(BundleManifest.TRAINING_IMAGES, train.size())
                        .metric(BundleManifest.TRAINING_SHA256, trainingSha256(train))
                        .metric(BundleManifest.BATCH_SIZE, options.batchSize())
                        .metric(BundleManifest.EPOCH_LIMIT, options.epochs())
                        .metric(BundleManifest.MAX_STEPS, options.maxSteps())
                        .metric(BundleManifest.MAX_MINUTES, options.maxMinutes())
                        .metric(BundleManifest.LEARNING_RATE, options.learningRate())
                        .metric(BundleManifest.WARMUP_STEPS, options.warmupSteps())
                        .metric(BundleManifest.MAX_GRADIENT_NORM, options.maxGradientNorm())
                        .metric(BundleManifest.AVERAGE_DECAY, options.averageDecay())
                        .metric(BundleManifest.VALIDATE_EVERY, options.validateEvery())
                        .metric(BundleManifest.CHECKPOINT_EVERY, options.checkpointEvery())
                        .metric(BundleManifest.VALIDATION_IMAGES, options.validationImages());
        if (options.mutationRate() > 0) {
            writer.metric(BundleManifest.MUTATION_RATE, options.mutationRate());
        }
        if (options.weightDecay() > 0) {
            writer.metric(BundleManifest.WEIGHT_DECAY, options.weightDecay());
        }
        if ((resumedFrom != null && sameDirectory(out, resumedFrom))
                || (checkpointedTo != null && sameDirectory(out, checkpointedTo))) {
            // the run goes on in its own folder: what was attached to it meanwhile stays
            writer.keepingModelsOfItsOwn();
        }
        average.swapInto(weights);
        try {
            // after the swap, so that reports such as samples show the weights being saved
            listener.beforeCheckpoint(progress, writer);
            writer.write(model);
            checkpointedTo = out;
        } finally {
            average.swapInto(weights);
        }
    }

    /** The images as the model is to see them: perturbed when fitting a background model. */
    private ImageSet mutated(ImageSet images, long seed) {
        return options.mutationRate() > 0
                ? PixelMutation.apply(images, options.mutationRate(), seed)
                : images;
    }

    private int[] batchIndices(int size, int epoch, int batchInEpoch) {
        return batchIndices(size, epoch, batchInEpoch * options.batchSize(), options.batchSize());
    }

    /** A slice of the epoch's permutation, which depends only on (seed, epoch). */
    private int[] batchIndices(int size, int epoch, int from, int count) {
        int[] permutation = new int[size];
        for (int i = 0; i < size; i++) {
            permutation[i] = i;
        }
        Random random = new Random(options.seed() * 7919 + epoch);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = permutation[i];
            permutation[i] = permutation[j];
            permutation[j] = t;
        }
        int[] batch = new int[count];
        System.arraycopy(permutation, from, batch, 0, count);
        return batch;
    }

    private int stepSeed(long step) {
        return (int) (options.seed() * 1_000_003L + step);
    }

    private NDArray toArray(ImageSet images) {
        return manager.create(
                        images.toFloats(0, images.size()),
                        new Shape(
                                images.size(), images.channels(), images.height(), images.width()))
                .toType(model.dataType(), false);
    }

    private void requireShape(ImageSet images) {
        var c = model.config();
        if (images.channels() != c.channels()
                || images.height() != c.height()
                || images.width() != c.width()) {
            throw new IllegalArgumentException(
                    String.format(
                            "%s has %dx%dx%d images, the model takes %dx%dx%d (CxHxW)",
                            images.description(),
                            images.channels(),
                            images.height(),
                            images.width(),
                            c.channels(),
                            c.height(),
                            c.width()));
        }
    }
}
