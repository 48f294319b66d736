package dev.flowwatch.trainer.bench;

import dev.flowwatch.flowpp.data.IdxFormat;
import dev.flowwatch.flowpp.data.ImageSet;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Converts the real-data anomaly sets of {@code scripts/fetch-datasets.sh} into IDX files for the
 * detection benchmark: {@link UciDigitsCommand} and {@link PhotoCropsCommand}.
 */
@Command(
        name = "benchmark-data",
        mixinStandardHelpOptions = true,
        description = "Converts real images into IDX anomaly sets for the detection benchmark.",
        subcommands = {UciDigitsCommand.class, PhotoCropsCommand.class})
public final class BenchmarkData implements Callable<Integer> {

    @Spec private CommandSpec spec;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new BenchmarkData()).execute(args));
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    /** Writes the set (and its labels beside it) and says where on {@code out}. */
    static void write(Path images, ImageSet set, PrintWriter out) throws IOException {
        Files.createDirectories(images.toAbsolutePath().getParent());
        IdxFormat.write(images, set);
        out.printf(
                "%d images of %d×%d from %s: %s%n",
                set.size(), set.height(), set.width(), set.description(), images);
    }
}
