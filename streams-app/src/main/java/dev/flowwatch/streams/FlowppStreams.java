package dev.flowwatch.streams;

import dev.flowwatch.streams.demo.DemoCommand;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar flowpp-streams.jar}: the streaming anomaly scorer. Without a subcommand it
 * prints help.
 *
 * <p>Exit codes: 0 ok, 1 failure, 2 usage or configuration error.
 */
@Command(
        name = "flowpp-streams",
        mixinStandardHelpOptions = true,
        versionProvider = FlowppStreams.Version.class,
        description =
                "Scores image events from Kafka with a Flow++ model and emits anomaly scores and"
                        + " alerts.",
        subcommands = {
            RunCommand.class,
            DemoCommand.class,
            ReplayDeadLettersCommand.class,
            CommandLine.HelpCommand.class
        })
public final class FlowppStreams implements Runnable {

    @Spec private CommandSpec spec;

    public static void main(String[] args) {
        // DJL must never download engines or models at run time: the natives are in the jar.
        System.setProperty("ai.djl.offline", "true");
        System.exit(new CommandLine(new FlowppStreams()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = FlowppStreams.class.getPackage().getImplementationVersion();
            return new String[] {"flowpp-streams " + (v == null ? "(development build)" : v)};
        }
    }
}
