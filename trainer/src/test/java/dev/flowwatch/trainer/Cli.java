package dev.flowwatch.trainer;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the command line as {@code main} does, capturing what it prints. */
record Cli(int exitCode, String out, String err) {

    static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = FlowppTrainer.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Cli(exitCode, out.toString(), err.toString());
    }

    /** Two steps of the tiny preset on {@code data} into {@code out}, plus the given options. */
    static Cli trainTiny(Path data, Path out, String... extra) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--data",
                                data.toString(),
                                "--preset",
                                "tiny",
                                "--batch-size",
                                "8",
                                "--max-steps",
                                "2",
                                "--validate-every",
                                "1",
                                "--warmup-steps",
                                "1",
                                "--validation-images",
                                "8",
                                "--out",
                                out.toString()));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    /**
     * {@code score} of {@code data} by {@code model} into {@code csv} as the stream scores: each
     * image in a batch of its own, with the stream's noise seed.
     */
    static Cli scoreAsStreamed(Path model, Path data, Path csv) {
        return run(
                "score",
                "--model",
                model.toString(),
                "--data",
                data.toString(),
                "--out",
                csv.toString(),
                "--batch-size",
                "1",
                "--noise-seed",
                "42");
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
