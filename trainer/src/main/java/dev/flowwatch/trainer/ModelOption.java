package dev.flowwatch.trainer;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --model} option of every command that reads a model bundle. */
final class ModelOption {

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "The model bundle.")
    private Path bundle;

    /** The model bundle directory. */
    Path bundle() {
        return bundle;
    }
}
