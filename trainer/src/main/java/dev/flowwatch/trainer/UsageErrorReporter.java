package dev.flowwatch.trainer;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reports a usage error in two lines, the problem and where help is, rather than picocli's default
 * of the whole usage text, in which the one line that matters is easily lost (train has 25 options).
 */
final class UsageErrorReporter implements IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException problem, String[] args) {
        CommandLine command = problem.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(command.getCommandName() + ": " + problem.getMessage());
        UnmatchedArgumentException.printSuggestions(problem, err);
        CommandSpec spec = command.getCommandSpec();
        err.println("Try '" + spec.qualifiedName() + " --help' for more information.");
        return spec.exitCodeOnInvalidInput();
    }
}
