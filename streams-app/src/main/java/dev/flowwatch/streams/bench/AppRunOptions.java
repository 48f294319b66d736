package dev.flowwatch.streams.bench;

import dev.flowwatch.flowpp.bundle.Directories;

import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the runs that start the app as a child ({@link ChaosRun}, {@link SoakRun}) share: the model,
 * the share of malformed input (a picocli mixin), and how such a run is called.
 */
final class AppRunOptions {

    @Option(
            names = "--malformed-every",
            defaultValue = "10",
            description =
                    "Every this many events one is malformed, for the dead-letter topic; 0 for"
                            + " none (default: ${DEFAULT-VALUE}).")
    int malformedEvery;

    @Option(names = "--model", description = "Model bundle (default: a tiny random-weight model).")
    Path model;

    /** One run, given its folder and where its JSON lines go; true if it saw exactly-once. */
    interface Body {
        boolean run(Path work, PrintStream json) throws Exception;
    }

    /**
     * Runs {@code body} in a new temporary folder, deleted after, with standard output kept for its
     * JSON lines (what the broker's test kit prints goes to standard error).
     *
     * @return the exit status: 0 if the run saw exactly-once, else 1
     */
    static int inTemporaryFolder(String prefix, Body body) throws Exception {
        Path work = Files.createTempDirectory(prefix);
        PrintStream json = System.out;
        System.setOut(System.err);
        try {
            return body.run(work, json) ? 0 : 1;
        } finally {
            Directories.deleteQuietly(work);
        }
    }
}
