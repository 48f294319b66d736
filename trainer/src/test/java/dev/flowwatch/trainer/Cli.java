package dev.flowwatch.trainer;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the command line as {@code main} does, capturing what it prints. */
public record Cli(int exitCode, String out, String err) {

    public static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = FlowppTrainer.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Cli(exitCode, out.toString(), err.toString());
    }

    /** {@link #run} of {@code args} followed by {@code extra}. */
    public static Cli run(List<String> args, String... extra) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(extra));
        return run(all.toArray(String[]::new));
    }

    /** Two steps of the tiny preset on {@code data} into {@code out}, plus the given options. */
    public static Cli trainTiny(Path data, Path out, String... extra) {
        List<String> options = new ArrayList<>(List.of("--preset", "tiny", "--max-steps", "2"));
        options.addAll(List.of(extra));
        return train(data, out, options.toArray(String[]::new));
    }

    /**
     * {@code train} on {@code data} into {@code out} in the tiny runs' steps (batches of 8, one
     * warm-up step, 8 images validated after every step), plus the given options.
     */
    static Cli train(Path data, Path out, String... options) {
        return run(
                List.of(
                        "train",
                        "--data",
                        data.toString(),
                        "--batch-size",
                        "8",
                        "--validate-every",
                        "1",
                        "--warmup-steps",
                        "1",
                        "--validation-images",
                        "8",
                        "--out",
                        out.toString()),
                options);
    }

    /** {@code score} of {@code data} by {@code model} into {@code csv}, plus the given options. */
    static Cli score(Path model, Path data, Path csv, String... extra) {
        return run(
                List.of(
                        "score",
                        "--model",
                        model.toString(),
                        "--data",
                        data.toString(),
                        "--out",
                        csv.toString()),
                extra);
    }

    /**
     * {@code score} of {@code data} by {@code model} into {@code csv} with the default noise seed,
     * the stream's, in batches of 7: an image's score does not depend on its batch.
     */
    static Cli scoreAsStreamed(Path model, Path data, Path csv) {
        return score(model, data, csv, "--batch-size", "7");
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
