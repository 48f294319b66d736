package dev.flowwatch.trainer.bench;

import dev.flowwatch.flowpp.data.UciDigits;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code uci-digits}: scikit-learn's digits.csv.gz as 28×28 IDX images in MNIST's layout. */
@Command(
        name = "uci-digits",
        mixinStandardHelpOptions = true,
        description = {
            "Converts the UCI handwritten digits (scikit-learn's digits.csv.gz: 8x8, levels 0..16,"
                    + " label last) into 28x28 images laid out as MNIST's are:",
            "scaled bilinearly to 20x20, levels stretched to 0..255, centred by their mass."
        })
final class UciDigitsCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Option(
            names = "--csv",
            required = true,
            paramLabel = "FILE",
            description = "digits.csv or digits.csv.gz.")
    private Path csv;

    @Mixin private IdxOutputOption out;

    @Override
    public Integer call() throws IOException {
        BenchmarkData.write(out.images(), UciDigits.read(csv), spec.commandLine().getOut());
        return 0;
    }
}
