package dev.flowwatch.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.bundle.OrientationManifest;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.orientation.OrientationConfig;
import dev.flowwatch.flowpp.orientation.OrientationNet;
import dev.flowwatch.flowpp.orientation.OrientationTrainer;

import me.tongfei.progressbar.ProgressBar;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code train-orientation}: fits the orientation network of score kind dose into a bundle. */
@Command(
        name = "train-orientation",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Trains a small network to tell which quarter turn was applied to the normal images"
                    + " (no labels needed) and stores it in the bundle's "
                    + ModelBundle.ORIENTATION
                    + "/ directory, replacing any it had; the bundle keeps its weights and"
                    + " identity, and the write is atomic.",
            "'calibrate' then adds how unsure the network is that an image is upright to score"
                    + " kind dose, as a part of its own: it catches turned and upside-down"
                    + " images, which code and look like normal ones.",
            "Train on the model's training images; a dose calibration made with another network"
                    + " no longer applies: calibrate again."
        })
final class TrainOrientationCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Mixin private ModelOption model;

    @Mixin private DataOption data;

    @Mixin private DeviceOption device;

    @Option(
            names = "--steps",
            defaultValue = "6000",
            paramLabel = "N",
            description =
                    "Optimisation steps (default: ${DEFAULT-VALUE}, as the bundled model's network"
                            + " was trained).")
    private int steps;

    @Option(
            names = "--batch-size",
            defaultValue = "64",
            paramLabel = "N",
            description =
                    "Images per step, each shown in four orientations (default:"
                            + " ${DEFAULT-VALUE}).")
    private int batchSize;

    @Option(
            names = "--lr",
            defaultValue = "0.001",
            paramLabel = "RATE",
            description = "Adam's learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(
            names = "--hidden",
            defaultValue = "" + OrientationConfig.DEFAULT_HIDDEN,
            paramLabel = "C",
            description =
                    "Channels of the network's first block; the rest have twice as many"
                            + " (default: ${DEFAULT-VALUE}).")
    private int hidden;

    @Option(
            names = "--validation-images",
            defaultValue = "2000",
            paramLabel = "N",
            description =
                    "The last N images are held out to measure the accuracy; 0 for none"
                            + " (default: ${DEFAULT-VALUE}).")
    private int validationImages;

    @Option(
            names = "--seed",
            defaultValue = "1",
            paramLabel = "S",
            description =
                    "Seed of the initial weights and of the batches (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Override
    public Integer call() throws IOException {
        FlowConfig c = ModelBundle.readManifest(model.bundle()).config();
        ImageSet all = ImageSets.load(data.path());
        if (all.channels() != c.channels()
                || all.height() != c.height()
                || all.width() != c.width()) {
            throw new ParameterException(
                    spec.commandLine(),
                    String.format(
                            "the images are %dx%dx%d (CxHxW), the model takes %dx%dx%d",
                            all.channels(),
                            all.height(),
                            all.width(),
                            c.channels(),
                            c.height(),
                            c.width()));
        }
        OrientationConfig config;
        OrientationTrainer.Options options;
        try {
            config = new OrientationConfig(c.channels(), c.height(), c.width(), hidden);
            options = new OrientationTrainer.Options(steps, batchSize, learningRate, seed);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        int held = Math.max(0, Math.min(validationImages, all.size() - 1));
        ImageSet training = all.slice(0, all.size() - held);
        ImageSet validation = all.slice(all.size() - held, all.size());
        try (NDManager manager = device.newManager()) {
            Engine.getInstance().setRandomSeed((int) seed);
            OrientationNet net = new OrientationNet(config);
            net.initialize(manager, DataType.FLOAT32);
            OrientationTrainer.Result result;
            try (ProgressBar bar = ProgressBars.steps("orientation", 0)) {
                bar.maxHint(steps);
                result =
                        new OrientationTrainer(net, manager)
                                .train(training, validation, options, bar::stepTo);
            }
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("data", data.path().normalize() + " (" + training.description() + ")");
            metrics.put("images", training.size());
            metrics.put("steps", result.steps());
            metrics.put("batchSize", batchSize);
            metrics.put("learningRate", learningRate);
            metrics.put("seed", seed);
            metrics.put("loss", result.loss());
            metrics.put("validationImages", validation.size());
            metrics.put("validationAccuracy", result.validationAccuracy());
            metrics.put("trainingSeconds", result.seconds());
            OrientationManifest written =
                    BundleWriter.attachOrientation(model.bundle(), net, metrics);
            spec.commandLine()
                    .getOut()
                    .printf(
                            "trained the orientation network %s on %d images in %d steps"
                                    + " (%.0f s): loss %.4f nats, validation accuracy %.4f on %d"
                                    + " images in four orientations; written to %s%n",
                            written.version(),
                            training.size(),
                            result.steps(),
                            result.seconds(),
                            result.loss(),
                            result.validationAccuracy(),
                            validation.size(),
                            model.bundle().resolve(ModelBundle.ORIENTATION));
        }
        return 0;
    }
}
