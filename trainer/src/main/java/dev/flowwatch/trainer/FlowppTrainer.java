package dev.flowwatch.trainer;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * The {@code flowpp-trainer} command line: trains Flow++ models on images and measures, scores and
 * samples them. Exit codes: 0 success, 1 failure at run time, 2 bad usage.
 */
@Command(
        name = "flowpp-trainer",
        mixinStandardHelpOptions = true,
        versionProvider = FlowppTrainer.Version.class,
        description = "Trains Flow++ normalizing flows on images and measures their likelihoods.",
        subcommands = {
            TrainCommand.class,
            EvaluateCommand.class,
            ScoreCommand.class,
            CalibrateCommand.class,
            AttachBackgroundCommand.class,
            TrainOrientationCommand.class,
            SelectBackgroundCommand.class,
            DetectionCommand.class,
            SampleCommand.class,
            CommandLine.HelpCommand.class
        })
public final class FlowppTrainer implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Option(
            names = {"-v", "--verbose"},
            scope = ScopeType.INHERIT,
            description = "Print the stack trace of a failure.")
    boolean verbose;

    public static void main(String[] args) {
        // Set before anything touches DJL: the engine must load the bundled natives, never
        // download.
        System.setProperty("ai.djl.offline", "true");
        // Reports are drawn with Java2D, which must not look for a display on a server.
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line as {@link #main} runs it: usage errors and failures are reported briefly.
     */
    public static CommandLine commandLine() {
        FlowppTrainer trainer = new FlowppTrainer();
        return new CommandLine(trainer)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(new UsageErrorReporter())
                .setExecutionExceptionHandler(new FailureReporter(() -> trainer.verbose));
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    /** The version in the jar's manifest, written by the build. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = FlowppTrainer.class.getPackage().getImplementationVersion();
            return new String[] {
                "flowpp-trainer " + (version == null ? "(development build)" : version)
            };
        }
    }
}
