package dev.flowwatch.trainer;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.flowpp.train.TrainingAbortedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failure at run time into exit code 1 and one line on stderr, with the stack trace only
 * when asked for: a user who passed a wrong path needs the path, not forty frames of DJL.
 */
final class FailureReporter implements IExecutionExceptionHandler {

    private final BooleanSupplier verbose;

    FailureReporter(BooleanSupplier verbose) {
        this.verbose = verbose;
    }

    @Override
    public int handleExecutionException(Exception failure, CommandLine command, ParseResult parsed) {
        if (verbose.getAsBoolean()) {
            failure.printStackTrace(command.getErr());
        } else {
            command.getErr().println(command.getCommandName() + ": " + describe(failure));
        }
        return command.getCommandSpec().exitCodeOnExecutionException();
    }

    static String describe(Exception failure) {
        if (failure instanceof NoSuchFileException missing) {
            return missing.getFile() + ": no such file or directory";
        }
        if (failure instanceof UncheckedIOException wrapper && wrapper.getCause() instanceof NoSuchFileException missing) {
            return describe(missing);
        }
        boolean expected = failure instanceof BundleException || failure instanceof IOException
                || failure instanceof UncheckedIOException || failure instanceof TrainingAbortedException
                || failure instanceof IllegalArgumentException;
        if (expected && failure.getMessage() != null) {
            return failure.getMessage();
        }
        // an unexpected failure is a bug: say what it is and how to see where
        return failure + " (run with --verbose for the stack trace)";
    }
}
