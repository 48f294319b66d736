package dev.flowwatch.trainer;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.bundle.ModelBundle;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code attach-background}: puts a background model into a model bundle. */
@Command(
        name = "attach-background",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Copies the weights and manifest of a background model (trained with 'train"
                    + " --background') into the model bundle's "
                    + ModelBundle.BACKGROUND
                    + "/ directory, replacing any background it had,",
            "so that the bundle can give the likelihood_ratio score. The bundle keeps its weights"
                    + " and identity; the write is atomic.",
            "A likelihood_ratio calibration made with another background no longer applies:"
                    + " calibrate again."
        })
final class AttachBackgroundCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Mixin private ModelOption model;

    @Option(
            names = "--background",
            required = true,
            paramLabel = "DIR",
            description = "The background model's bundle (a checkpoint of 'train --background').")
    private Path background;

    @Override
    public Integer call() {
        BundleManifest attached = BundleWriter.attachBackground(model.bundle(), background);
        spec.commandLine()
                .getOut()
                .printf(
                        "attached background model %s (%s, mutation rate %s) to %s%n",
                        attached.modelId(),
                        attached.modelVersion(),
                        attached.metrics().get(BundleManifest.MUTATION_RATE),
                        model.bundle().resolve(ModelBundle.BACKGROUND));
        return 0;
    }
}
