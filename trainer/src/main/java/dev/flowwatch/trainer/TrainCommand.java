package dev.flowwatch.trainer;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.model.Dequantization;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.train.FlowTrainer;
import dev.flowwatch.flowpp.train.TrainingListener;
import dev.flowwatch.flowpp.train.TrainingOptions;
import dev.flowwatch.flowpp.train.TrainingProgress;
import dev.flowwatch.trainer.Arguments.Decay;
import dev.flowwatch.trainer.Arguments.DequantizationKind;
import dev.flowwatch.trainer.Arguments.ExistingPath;
import dev.flowwatch.trainer.Arguments.Fraction;
import dev.flowwatch.trainer.Arguments.NonNegativeDouble;
import dev.flowwatch.trainer.Arguments.NonNegativeInt;
import dev.flowwatch.trainer.Arguments.PositiveDouble;
import dev.flowwatch.trainer.Arguments.PositiveInt;
import dev.flowwatch.trainer.Arguments.Preset;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

/** {@code train}: fits a Flow++ model to images and writes checkpoints as model bundles. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Fits a Flow++ model to images; the image shape comes from the data.",
            "Every checkpoint is a model bundle in --out with metrics.csv, curve.png and"
                    + " samples.png, and can be continued with --resume."
        })
final class TrainCommand implements Callable<Integer> {

    private static final double DEFAULT_VALIDATION_SPLIT = 0.1;

    @Spec private CommandSpec spec;

    @Mixin private DataOption data;

    @ArgGroup(exclusive = true)
    private ValidationSource validation;

    /** Where validation images come from: a file of their own or a share of the training data. */
    static final class ValidationSource {
        @Option(
                names = "--val-data",
                paramLabel = "PATH",
                converter = ExistingPath.class,
                description = "Validation images, in the same formats as --data.")
        private Path data;

        @Option(
                names = "--val-split",
                paramLabel = "FRACTION",
                converter = Fraction.class,
                description = "Share of --data held out for validation (default: 0.1).")
        private Double fraction;
    }

    @Option(
            names = "--preset",
            defaultValue = "small",
            paramLabel = "NAME",
            converter = Preset.class,
            description =
                    "Architecture: tiny, small, paper (Flow++ CIFAR-10, up to 32x32) or large"
                            + " (64x64 and up) (default: ${DEFAULT-VALUE}).")
    private String preset;

    @Option(
            names = "--dequantization",
            defaultValue = "variational",
            paramLabel = "KIND",
            converter = DequantizationKind.class,
            description = "variational (Flow++) or uniform (default: ${DEFAULT-VALUE}).")
    private Dequantization dequantization;

    @Option(
            names = "--epochs",
            defaultValue = "10",
            paramLabel = "N",
            converter = PositiveInt.class,
            description = "Passes over the training data (default: ${DEFAULT-VALUE}).")
    private int epochs;

    @Option(
            names = "--max-steps",
            defaultValue = "0",
            paramLabel = "N",
            converter = NonNegativeInt.class,
            description =
                    "Stop after this many steps in total; 0: no limit (default: ${DEFAULT-VALUE}).")
    private int maxSteps;

    @Option(
            names = "--max-minutes",
            defaultValue = "0",
            paramLabel = "M",
            converter = NonNegativeDouble.class,
            description =
                    "Stop after this much time in total, across resumes: training steps,"
                            + " validations and checkpoints, not start-up; 0: no limit (default:"
                            + " ${DEFAULT-VALUE}).")
    private double maxMinutes;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            paramLabel = "N",
            converter = PositiveInt.class,
            description = "Images per step (default: ${DEFAULT-VALUE}).")
    private int batchSize;

    @Option(
            names = "--lr",
            defaultValue = "1e-3",
            paramLabel = "RATE",
            converter = PositiveDouble.class,
            description = "Peak learning rate of Adam (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(
            names = "--warmup-steps",
            defaultValue = "200",
            paramLabel = "N",
            converter = NonNegativeInt.class,
            description = "Steps of linear learning-rate warm-up (default: ${DEFAULT-VALUE}).")
    private int warmupSteps;

    @Option(
            names = "--max-grad-norm",
            defaultValue = "100",
            paramLabel = "NORM",
            converter = NonNegativeDouble.class,
            description =
                    "Clip the global gradient norm to this; 0: no clipping (default:"
                            + " ${DEFAULT-VALUE}).")
    private double maxGradientNorm;

    @Option(
            names = "--ema-decay",
            defaultValue = "0.999",
            paramLabel = "DECAY",
            converter = Decay.class,
            description =
                    "Decay of the weight average that is validated and saved (default:"
                            + " ${DEFAULT-VALUE}).")
    private double averageDecay;

    @Option(
            names = "--seed",
            defaultValue = "1",
            paramLabel = "SEED",
            description =
                    "Seed of the initial weights, the validation split, shuffling and noise"
                            + " (default: ${DEFAULT-VALUE}).")
    private int seed;

    @Option(
            names = "--weight-decay",
            defaultValue = "0",
            paramLabel = "LAMBDA",
            converter = NonNegativeDouble.class,
            description =
                    "L2 penalty LAMBDA/2 times the weights' sum of squares, added to the loss in"
                            + " bits/dim; Ren et al. (2019) fit background models with one, so"
                            + " that they learn only what every image shares. See"
                            + " scripts/tune-background.sh (default: ${DEFAULT-VALUE}).")
    private double weightDecay;

    @ArgGroup(exclusive = false)
    private Background background;

    /** A background model for the likelihood-ratio score: trained on mutated copies. */
    static final class Background {
        @Option(
                names = "--background",
                required = true,
                description =
                        "Train a background model: every batch has a share --mutation-rate of"
                                + " its pixels replaced by uniform noise (Ren et al. 2019). Put it"
                                + " into a model bundle with 'attach-background'.")
        private boolean enabled;

        @Option(
                names = "--mutation-rate",
                defaultValue = "0.2",
                paramLabel = "RATE",
                converter = Fraction.class,
                description = "Share of pixels replaced, in (0, 1) (default: ${DEFAULT-VALUE}).")
        private double rate;
    }

    @Mixin private DeviceOption device;

    @Option(
            names = "--validate-every",
            defaultValue = "200",
            paramLabel = "N",
            converter = PositiveInt.class,
            description = "Steps between validations (default: ${DEFAULT-VALUE}).")
    private int validateEvery;

    @Option(
            names = "--checkpoint-every",
            defaultValue = "1000",
            paramLabel = "N",
            converter = NonNegativeInt.class,
            description =
                    "Steps between checkpoints; 0: only at the end (default: ${DEFAULT-VALUE}).")
    private int checkpointEvery;

    @Option(
            names = "--validation-images",
            defaultValue = "1000",
            paramLabel = "N",
            converter = PositiveInt.class,
            description =
                    "At most this many images per validation, drawn at random from the validation"
                            + " set (default: ${DEFAULT-VALUE}).")
    private int validationImages;

    @Option(
            names = "--init-images",
            defaultValue = "" + TrainingOptions.DEFAULT_INIT_IMAGES,
            paramLabel = "N",
            converter = PositiveInt.class,
            description =
                    "Images whose statistics set the data-dependent initial values (at least one"
                            + " batch); they pass through the model one batch at a time, so a"
                            + " large model on a CPU starts sooner with fewer (default:"
                            + " ${DEFAULT-VALUE}).")
    private int initImages;

    @Option(
            names = "--micro-batch-size",
            defaultValue = "0",
            paramLabel = "N",
            converter = NonNegativeInt.class,
            description =
                    "Images per forward and backward pass within a step; their gradients add up to"
                            + " the batch's one update, so memory is that of N images, not of the"
                            + " batch (0: the whole batch; default: ${DEFAULT-VALUE}).")
    private int microBatchSize;

    @Option(
            names = "--max-train-images",
            paramLabel = "N",
            converter = PositiveInt.class,
            description = "Train on only the first N training images (after the validation split).")
    private Integer maxTrainImages;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Directory of the model bundle; required unless --resume gives it.")
    private Path out;

    @Option(
            names = "--resume",
            paramLabel = "DIR",
            description =
                    "Continue the run saved in this checkpoint; --out defaults to the same"
                            + " directory.")
    private Path resume;

    @Option(
            names = "--resume-if-present",
            description =
                    "When --out holds the checkpoint of a run, continue it as --resume would (the"
                            + " options given must then agree with it); else start afresh. For"
                            + " jobs that may be retried.")
    private boolean resumeIfPresent;

    @Option(
            names = "--model-id",
            paramLabel = "NAME",
            description =
                    "Name of the model in the bundle (default: the checkpoint's on --resume,"
                            + " else preset and data file name).")
    private String modelId;

    /** {@link #checkpoint()}: null until read. */
    private BundleManifest checkpointManifest;

    @Override
    public Integer call() throws IOException {
        Path bundle = bundleDirectory();
        if (resumeIfPresent && out != null && FlowTrainer.holdsCheckpoint(out)) {
            // a retry of a run continued from elsewhere goes on from its own last checkpoint
            resume = out;
            spec.commandLine()
                    .getOut()
                    .printf(
                            "--resume-if-present: continuing the run whose checkpoint %s holds%n",
                            out);
        }
        requireNoOtherRunOverwritten(bundle);
        requireArchitectureOfCheckpoint();
        try {
            BundleWriter.requireReplaceable(bundle);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--out: " + e.getMessage());
        }
        takeRunSettingsFromCheckpoint();
        TrainingOptions options =
                TrainingOptions.builder()
                        .setBatchSize(batchSize)
                        .setEpochs(epochs)
                        .optLearningRate(learningRate)
                        .optWarmupSteps(warmupSteps)
                        .optMaxGradientNorm(maxGradientNorm)
                        .optAverageDecay(averageDecay)
                        .optMaxSteps(maxSteps)
                        .optMaxMinutes(maxMinutes)
                        .optSeed(seed)
                        .optValidateEvery(validateEvery)
                        .optCheckpointEvery(checkpointEvery)
                        .optValidationImages(validationImages)
                        .optMutationRate(mutationRate())
                        .optWeightDecay(savedOr(BundleManifest.WEIGHT_DECAY, weightDecay))
                        .optInitImages(initImages)
                        .optMicroBatchSize(microBatchSize)
                        .build();
        ImageSet.Split sets = trainingAndValidation();
        requireTrainingImagesOfCheckpoint(sets.train());
        PrintWriter stdout = spec.commandLine().getOut();
        try (NDManager manager = device.newManager()) {
            FlowTrainer trainer =
                    resume != null
                            ? FlowTrainer.resume(resume, manager, options)
                            : new FlowTrainer(newModel(sets.train(), manager), manager, options);
            long startStep = trainer.progress().step();
            double startSeconds = trainer.progress().trainingSeconds();
            TrainingProgress done;
            try (TrainingProgressBar bar = new TrainingProgressBar(startStep)) {
                TrainingListener listener =
                        all(
                                bar,
                                new CheckpointReports(trainer.model(), manager, seed, batchSize),
                                new TrainingListener() {
                                    @Override
                                    public void beforeCheckpoint(
                                            TrainingProgress p, BundleWriter writer) {
                                        writer.metric(
                                                BundleManifest.VALIDATION_SPLIT, validationSplit());
                                    }
                                });
                done = trainer.fit(sets.train(), sets.validation(), bundle, modelName(), listener);
            }
            if (done.step() == startStep) {
                stdout.printf(
                        Locale.ROOT,
                        "nothing to do: the checkpoint in %s is already at step %d, epoch %d, after"
                                + " %.1f minutes of training, which the run's limits end (--epochs"
                                + " %d, --max-steps %d, --max-minutes %s; 0: none); raise the one"
                                + " that stopped it to train on%n",
                        resume,
                        startStep,
                        done.epoch(),
                        done.elapsedSeconds() / 60,
                        epochs,
                        maxSteps,
                        maxMinutes);
                return 0;
            }
            double epochsDone =
                    done.epoch() + (double) done.batchInEpoch() / (sets.train().size() / batchSize);
            stdout.printf(
                    Locale.ROOT,
                    "trained steps %d to %d in %.1f s of steps (the run is at epoch %.2f, %.1f"
                            + " s of steps in all); validation bits/dim %.4f%n",
                    startStep,
                    done.step(),
                    done.trainingSeconds() - startSeconds,
                    epochsDone,
                    done.trainingSeconds(),
                    done.lastValidationBitsPerDim());
            stdout.printf("model bundle: %s%n", bundle.toAbsolutePath());
        }
        return 0;
    }

    private Path bundleDirectory() {
        if (out != null) {
            return out;
        }
        if (resume != null) {
            return resume;
        }
        throw new ParameterException(
                spec.commandLine(), "Missing required option: '--out=DIR' (or --resume=DIR)");
    }

    /**
     * Each checkpoint replaces the folder whole: a run (fresh, or resumed from elsewhere) must not
     * replace the checkpoint of another run, which could then no longer be continued.
     */
    private void requireNoOtherRunOverwritten(Path bundle) {
        Path interrupted = BundleWriter.previousOf(bundle);
        if (!Files.exists(bundle) && FlowTrainer.holdsCheckpoint(interrupted)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--out: a checkpoint's write into %s was interrupted, and the run's last checkpoint is intact at %s, which this run would delete; move it back to %s to continue the run"
                            .formatted(bundle, interrupted, bundle));
        }
        if (!FlowTrainer.holdsCheckpoint(bundle)
                || (resume != null && FlowTrainer.sameDirectory(bundle, resume))) {
            return;
        }
        throw new ParameterException(
                spec.commandLine(),
                "--out: %s holds the checkpoint of a training run (step %s), which this run would replace; continue it with --resume %s (or --resume-if-present), or remove it or choose another --out"
                        .formatted(
                                bundle,
                                ModelBundle.readManifest(bundle).metrics().get("steps"),
                                bundle));
    }

    /**
     * On --resume the architecture and the objective come from the checkpoint: options that fix
     * them may be given again (a retried job repeats its command) but only with the checkpoint's
     * values.
     */
    private void requireArchitectureOfCheckpoint() {
        if (resume == null) {
            return;
        }
        FlowConfig config = checkpoint().config();
        Map<String, Object> m = checkpoint().metrics();
        Object savedRate = m.get(BundleManifest.MUTATION_RATE);
        Object savedDecay = m.get(BundleManifest.WEIGHT_DECAY);
        requireSame("--preset", preset, config.preset());
        requireSame("--dequantization", dequantization, config.dequantization());
        if (background != null && savedRate == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--background cannot be combined with --resume: the checkpoint's run is not"
                            + " a background model's");
        }
        if (background != null) {
            requireSame("--mutation-rate", background.rate, ((Number) savedRate).doubleValue());
        }
        requireSame(
                "--weight-decay",
                weightDecay,
                savedDecay == null ? 0.0 : ((Number) savedDecay).doubleValue());
    }

    private void requireSame(String option, Object given, Object saved) {
        if (spec.commandLine().getParseResult().hasMatchedOption(option)
                && !Objects.equals(given, saved)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "%s %s cannot be combined with --resume: the checkpoint's run used %s"
                            .formatted(option, given, saved));
        }
    }

    /**
     * On --resume the run goes on as it was: its settings come from the checkpoint unless given
     * again. Those that fix which images each step sees (the seed of shuffling, of the validation
     * split and of the noise; the batch size; where validation images come from) cannot change, so
     * that the resumed run takes exactly the steps of an uninterrupted one and never trains on its
     * validation images; given again with another value they are refused. The others (learning
     * rate, warm-up, clipping, averaging, validation and checkpoint intervals) may be given anew. A
     * checkpoint written before a setting was recorded keeps the option as given.
     */
    private void takeRunSettingsFromCheckpoint() {
        if (resume == null) {
            return;
        }
        BundleManifest saved = checkpoint();
        Map<String, Object> m = saved.metrics();
        seed = (int) kept("--seed", seed, saved.config().seed());
        Object batch = m.get(BundleManifest.BATCH_SIZE);
        if (batch != null) {
            batchSize =
                    (int)
                            kept(
                                    "--batch-size",
                                    batchSize,
                                    ((Number) batch).longValue(),
                                    " (--micro-batch-size lowers a step's memory; the step's"
                                            + " gradient is the same sum, up to rounding and,"
                                            + " with dropout, its masks)");
        }
        epochs = (int) resumed("--epochs", m.get(BundleManifest.EPOCH_LIMIT), epochs);
        maxSteps = (int) resumed("--max-steps", m.get(BundleManifest.MAX_STEPS), maxSteps);
        maxMinutes = resumed("--max-minutes", m.get(BundleManifest.MAX_MINUTES), maxMinutes);
        learningRate = resumed("--lr", m.get(BundleManifest.LEARNING_RATE), learningRate);
        warmupSteps =
                (int) resumed("--warmup-steps", m.get(BundleManifest.WARMUP_STEPS), warmupSteps);
        maxGradientNorm =
                resumed(
                        "--max-grad-norm",
                        m.get(BundleManifest.MAX_GRADIENT_NORM),
                        maxGradientNorm);
        averageDecay = resumed("--ema-decay", m.get(BundleManifest.AVERAGE_DECAY), averageDecay);
        validateEvery =
                (int)
                        resumed(
                                "--validate-every",
                                m.get(BundleManifest.VALIDATE_EVERY),
                                validateEvery);
        checkpointEvery =
                (int)
                        resumed(
                                "--checkpoint-every",
                                m.get(BundleManifest.CHECKPOINT_EVERY),
                                checkpointEvery);
        validationImages =
                (int)
                        resumed(
                                "--validation-images",
                                m.get(BundleManifest.VALIDATION_IMAGES),
                                validationImages);
        Object split = m.get(BundleManifest.VALIDATION_SPLIT);
        if (split != null) {
            keepValidationSource(((Number) split).doubleValue());
        }
    }

    /** The value given on the command line, else the checkpoint's (when it has one), else given. */
    private double resumed(String option, Object saved, double given) {
        if (saved == null || spec.commandLine().getParseResult().hasMatchedOption(option)) {
            return given;
        }
        return ((Number) saved).doubleValue();
    }

    /** Validation images from where the checkpoint's run took them: a file (0) or a share. */
    private void keepValidationSource(double fraction) {
        boolean givenFile = validation != null && validation.data != null;
        if (fraction == 0 && !givenFile) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--val-data: this run validated on images of their own; give them again");
        }
        if (fraction == 0) {
            return;
        }
        if (givenFile) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--val-data cannot be combined with --resume: this run validated on a share ("
                            + fraction
                            + ") of its training data");
        }
        double given = validation != null ? validation.fraction : fraction;
        if (given != fraction) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--val-split "
                            + given
                            + " cannot be combined with --resume: the checkpoint's run held out "
                            + fraction);
        }
        validation = new ValidationSource();
        validation.fraction = fraction;
    }

    /** The checkpoint's value of an option, refusing another one given on the command line. */
    private long kept(String option, long given, long saved, String... hint) {
        if (spec.commandLine().getParseResult().hasMatchedOption(option) && given != saved) {
            throw new ParameterException(
                    spec.commandLine(),
                    option
                            + " "
                            + given
                            + " cannot be combined with --resume: the checkpoint's run used "
                            + saved
                            + String.join("", hint));
        }
        return saved;
    }

    /** On --resume, the training set must be the checkpoint's: its size and hash are recorded. */
    private void requireTrainingImagesOfCheckpoint(ImageSet train) {
        if (resume == null) {
            return;
        }
        Object saved = checkpoint().metrics().get(BundleManifest.TRAINING_IMAGES);
        if (saved != null && ((Number) saved).intValue() != train.size()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--data: the checkpoint's run trained on "
                            + saved
                            + " images, the options given now make "
                            + train.size()
                            + " (the same --data, --max-train-images and validation resume it)");
        }
        Object sha = checkpoint().metrics().get(BundleManifest.TRAINING_SHA256);
        if (sha != null && !sha.equals(train.sha256())) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--data: the checkpoint's run trained on other images of the same number"
                            + " (SHA-256 "
                            + sha
                            + ", now "
                            + train.sha256()
                            + "): resume it with its own --data, --max-train-images and"
                            + " validation");
        }
    }

    /** The manifest of the --resume checkpoint, read once. */
    private BundleManifest checkpoint() {
        if (checkpointManifest == null) {
            checkpointManifest = ModelBundle.readManifest(resume);
        }
        return checkpointManifest;
    }

    /** The share of --data held out for validation, 0 when --val-data gives the images. */
    private double validationSplit() {
        if (validation != null && validation.data != null) {
            return 0;
        }
        return validation != null ? validation.fraction : DEFAULT_VALIDATION_SPLIT;
    }

    /** From the options on a fresh run; from the checkpoint on --resume, which must not change. */
    private double mutationRate() {
        return savedOr(BundleManifest.MUTATION_RATE, background == null ? 0 : background.rate);
    }

    /**
     * The checkpoint's metric {@code name} on --resume (0 when it has none), else {@code given}: an
     * objective's settings must not change within a run.
     */
    private double savedOr(String name, double given) {
        if (resume != null) {
            Object saved = checkpoint().metrics().get(name);
            return saved == null ? 0 : ((Number) saved).doubleValue();
        }
        return given;
    }

    private ImageSet.Split trainingAndValidation() throws IOException {
        ImageSet images = ImageSets.load(data.path());
        ImageSet.Split sets;
        if (validation != null && validation.data != null) {
            // validation takes the first --validation-images of its set: of a set of its own,
            // read in file order (a folder's by class), a random sample of them
            sets =
                    new ImageSet.Split(
                            images, ImageSets.load(validation.data).sample(validationImages, seed));
        } else {
            sets = images.split(validationSplit(), seed);
        }
        return maxTrainImages == null
                ? sets
                : new ImageSet.Split(sets.train().limit(maxTrainImages), sets.validation());
    }

    private FlowPlusPlus newModel(ImageSet train, NDManager manager) {
        FlowConfig config =
                FlowConfig.presetBuilder(preset, train.channels(), train.height(), train.width())
                        .optDequantization(dequantization)
                        .optSeed(seed)
                        .build();
        FlowPlusPlus model = new FlowPlusPlus(config);
        model.initialize(manager, DataType.FLOAT32);
        return model;
    }

    private String modelName() {
        if (modelId != null) {
            return modelId;
        }
        if (resume != null) {
            return checkpoint().modelId();
        }
        String file = data.path().toAbsolutePath().normalize().getFileName().toString();
        int dot = file.indexOf('.');
        return preset
                + "-"
                + (dot > 0 ? file.substring(0, dot) : file)
                + (background == null ? "" : "-background");
    }

    private static TrainingListener all(TrainingListener... listeners) {
        return new TrainingListener() {
            @Override
            public void onStep(
                    TrainingProgress p,
                    double bitsPerDim,
                    double imagesPerSecond,
                    long totalSteps) {
                for (TrainingListener l : listeners) {
                    l.onStep(p, bitsPerDim, imagesPerSecond, totalSteps);
                }
            }

            @Override
            public void beforeCheckpoint(TrainingProgress p, BundleWriter writer) {
                for (TrainingListener l : listeners) {
                    l.beforeCheckpoint(p, writer);
                }
            }
        };
    }
}
