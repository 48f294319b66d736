package dev.flowwatch.streams;

import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;
import dev.flowwatch.streams.topology.DlqReason;

import org.apache.kafka.common.KafkaException;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code replay-dead-letters}: sends dead letters of given reasons back to the images topic. */
@Command(
        name = "replay-dead-letters",
        mixinStandardHelpOptions = true,
        description = {
            "Sends the dead letters of the given reasons back to the images topic, each once, as"
                    + " their producer sent them: after a fix (a model that scores them, a schema"
                    + " registered, a wider max.payload.bytes).",
            "Reads topic.dlq from where the last replay stopped to where it ended at the start;"
                    + " what it sent and how far it read commit together (consumer group"
                    + " <application.id>-dlq-replay). Prints a JSON line of what it did.",
            "Dead letters that carry only a prefix of their value or key cannot be replayed; they"
                    + " are counted."
        })
final class ReplayDeadLettersCommand implements Callable<Integer> {

    @Mixin private SettingsOptions settings;

    @Option(
            names = "--reason",
            required = true,
            paramLabel = "REASON",
            split = ",",
            description =
                    "Reasons of the dead letters to replay (repeatable): ${COMPLETION-CANDIDATES}.")
    private Set<DlqReason> reasons;

    @Option(
            names = "--dry-run",
            description = "Count what would be replayed; send and commit nothing.")
    private boolean dryRun;

    @Option(
            names = "--timeout-seconds",
            defaultValue = "60",
            description =
                    "How long the brokers may take to answer, or the topic to yield its records"
                            + " (default: ${DEFAULT-VALUE}).")
    private int timeoutSeconds;

    @Spec private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        AppConfig config;
        try {
            config = settings.load();
        } catch (InvalidConfigException e) {
            err.println("Invalid configuration: " + e.getMessage());
            return 2;
        }
        if (timeoutSeconds < 1) {
            err.println("--timeout-seconds must be at least 1");
            return 2;
        }
        DeadLetterReplay.Tally tally;
        try {
            tally =
                    new DeadLetterReplay(
                                    config, reasons, dryRun, Duration.ofSeconds(timeoutSeconds))
                            .run();
        } catch (KafkaException e) {
            err.println("Cannot replay the dead letters of " + config.topicDlq() + ": " + e);
            return 1;
        }
        spec.commandLine().getOut().println(tally.json());
        return 0;
    }
}
