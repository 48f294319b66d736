package dev.flowwatch.streams.demo;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.train.FlowTrainer;
import dev.flowwatch.flowpp.train.TrainingListener;
import dev.flowwatch.flowpp.train.TrainingOptions;
import dev.flowwatch.flowpp.train.TrainingProgress;

import me.tongfei.progressbar.ProgressBar;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the demo's model bundle: the one asked for if it exists, else one trained earlier by the
 * demo, else a {@code small} model trained now for a few minutes, so the demo works from a bare
 * checkout.
 */
final class DemoModel {

    private static final double VALIDATION_FRACTION = 0.1;

    private DemoModel() {}

    /** A directory holding a loadable bundle. */
    static Path resolve(
            Path requested, Path trainInto, double trainMinutes, ImageSet train, PrintStream log) {
        if (Files.isRegularFile(requested.resolve(ModelBundle.MANIFEST))) {
            return requested;
        }
        if (Files.isRegularFile(trainInto.resolve(ModelBundle.MANIFEST))) {
            log.printf(
                    "no model at %s; using the one the demo trained before at %s%n",
                    requested, trainInto);
            return trainInto;
        }
        log.printf(
                "no model at %s; training the 'small' preset on %d images for %.1f min into %s%n",
                requested, train.size(), trainMinutes, trainInto);
        train(trainInto, trainMinutes, train);
        return trainInto;
    }

    private static void train(Path out, double minutes, ImageSet images) {
        // Flow++'s recipe, scaled down: Adam with warm-up, clipping and an EMA of the weights
        TrainingOptions options =
                TrainingOptions.builder()
                        .setBatchSize(64)
                        .setEpochs(1000)
                        .optMaxMinutes(minutes)
                        .optValidationImages(500)
                        .build();
        ImageSet.Split split = images.split(VALIDATION_FRACTION, 1L);
        try (NDManager manager = NDManager.newBaseManager();
                ProgressBar bar = new ProgressBar("training (s)", Math.round(minutes * 60))) {
            FlowPlusPlus model =
                    new FlowPlusPlus(
                            FlowConfig.preset(
                                    "small", images.channels(), images.height(), images.width()));
            model.initialize(manager, DataType.FLOAT32);
            new FlowTrainer(model, manager, options)
                    .fit(
                            split.train(),
                            split.validation(),
                            out,
                            "demo-fashion-mnist-small",
                            new TrainingListener() {
                                @Override
                                public void onStep(
                                        TrainingProgress progress,
                                        double bitsPerDim,
                                        double imagesPerSecond,
                                        long totalSteps) {
                                    bar.stepTo(Math.round(progress.trainingSeconds()));
                                    bar.setExtraMessage(String.format("%.3f bpd", bitsPerDim));
                                }
                            });
        }
    }
}
