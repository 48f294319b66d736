package dev.flowwatch.trainer.bench;

import dev.flowwatch.flowpp.data.PhotoCrops;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code photo-crops}: grey square crops of photographs at a model's size, as IDX images. */
@Command(
        name = "photo-crops",
        mixinStandardHelpOptions = true,
        description = {
            "Cuts square crops of random place and scale out of photographs (PNG or JPEG), makes"
                    + " them grey (BT.601 luma) and reduces them to SIDE x SIDE by area averaging.",
            "Each crop is labelled with the index of its photograph in the arguments."
        })
final class PhotoCropsCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Option(
            names = "--count",
            defaultValue = "5000",
            paramLabel = "N",
            description = "Crops to cut (default: ${DEFAULT-VALUE}).")
    private int count;

    @Option(
            names = "--side",
            defaultValue = "28",
            paramLabel = "SIDE",
            description = "Side of the crops in pixels: the model's (default: ${DEFAULT-VALUE}).")
    private int side;

    @Option(
            names = "--seed",
            defaultValue = "1",
            paramLabel = "S",
            description = "Seed of the draws (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Mixin private IdxOutputOption out;

    @Parameters(arity = "1..*", paramLabel = "PHOTO", description = "The photographs.")
    private List<Path> photos;

    @Override
    public Integer call() throws IOException {
        BenchmarkData.write(out.images(), PhotoCrops.read(photos, count, side, seed), spec.commandLine().getOut());
        return 0;
    }
}
