package dev.flowwatch.trainer;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.flow.Bisection;
import dev.flowwatch.trainer.Arguments.NonNegativeInt;
import dev.flowwatch.trainer.Arguments.PositiveDouble;
import dev.flowwatch.trainer.Arguments.PositiveInt;
import dev.flowwatch.trainer.report.ImageGrid;

import me.tongfei.progressbar.ProgressBar;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code sample}: a PNG grid of images drawn from a model. */
@Command(
        name = "sample",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Draws images from a model and writes them as a PNG grid, as near square as"
                        + " possible.")
final class SampleCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Mixin private ModelOption model;

    @Option(
            names = {"-n", "--n"},
            defaultValue = "64",
            paramLabel = "N",
            converter = PositiveInt.class,
            description = "Images to draw (default: ${DEFAULT-VALUE}).")
    private int count;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "FILE",
            description = "The PNG file to write.")
    private Path out;

    @Option(
            names = "--temperature",
            defaultValue = "1.0",
            paramLabel = "T",
            converter = PositiveDouble.class,
            description =
                    "Standard deviation of the prior; below 1 trades diversity for quality"
                            + " (default: ${DEFAULT-VALUE}).")
    private double temperature;

    @Option(
            names = "--seed",
            defaultValue = "1",
            paramLabel = "SEED",
            description = "Seed of the prior samples (default: ${DEFAULT-VALUE}).")
    private int seed;

    @Option(
            names = "--tolerance",
            defaultValue = "1e-5",
            paramLabel = "TOL",
            converter = PositiveDouble.class,
            description =
                    "Bisection tolerance when inverting the couplings (default: ${DEFAULT-VALUE}).")
    private double tolerance;

    @Option(
            names = "--max-iterations",
            defaultValue = "100",
            paramLabel = "N",
            converter = PositiveInt.class,
            description = "Bisection iterations at most (default: ${DEFAULT-VALUE}).")
    private int maxIterations;

    @Option(
            names = "--chunk-size",
            defaultValue = "16",
            paramLabel = "N",
            converter = NonNegativeInt.class,
            description =
                    "Most images the inverse pass's networks hold at once; bounds memory, does not"
                            + " change the samples; 0: 64 at once (default: ${DEFAULT-VALUE}).")
    private int chunkSize;

    @Mixin private DeviceOption device;

    @Override
    public Integer call() throws IOException {
        ImageSet samples;
        try (NDManager manager = device.newManager()) {
            ModelBundle bundle = ModelBundle.load(model.bundle(), manager);
            try (ProgressBar bar = ProgressBars.images("sample", count)) {
                samples =
                        Sampler.sample(
                                bundle.model(),
                                manager,
                                count,
                                temperature,
                                seed,
                                new Bisection(tolerance, maxIterations),
                                chunkSize,
                                bar::stepTo);
            }
        }
        ImageGrid.write(out, samples, ImageGrid.squareColumns(count), 1);
        spec.commandLine().getOut().printf("%d samples written to %s%n", count, out);
        return 0;
    }
}
