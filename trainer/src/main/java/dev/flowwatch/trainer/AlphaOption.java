package dev.flowwatch.trainer;

import dev.flowwatch.trainer.Arguments.Fraction;

import picocli.CommandLine.Option;

/** The {@code --alpha} option of the commands that judge calibrated p-values. */
final class AlphaOption {

    @Option(
            names = "--alpha",
            defaultValue = "0.01",
            paramLabel = "A",
            converter = Fraction.class,
            description =
                    "Target false-alarm rate of the calibrated test, the stream's"
                            + " alert.target-false-alarm-rate (default: ${DEFAULT-VALUE}).")
    private double alpha;

    double alpha() {
        return alpha;
    }
}
