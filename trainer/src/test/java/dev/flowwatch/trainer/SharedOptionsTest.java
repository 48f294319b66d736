package dev.flowwatch.trainer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;

/** The options several commands share keep one name, default and help text in every command. */
class SharedOptionsTest {

    private static OptionSpec option(String command, String name) {
        CommandSpec spec =
                FlowppTrainer.commandLine().getSubcommands().get(command).getCommandSpec();
        OptionSpec option = spec.findOption(name);
        assertTrue(option != null, command + " has no " + name);
        return option;
    }

    @ParameterizedTest
    @ValueSource(strings = {"evaluate", "score", "calibrate", "detection"})
    void scoringCommandsShareBatchSizeIwSamplesAndLimit(String command) {
        assertEquals("64", option(command, "--batch-size").defaultValue());
        assertEquals("0", option(command, "--iw-samples").defaultValue());
        assertNull(option(command, "--limit").defaultValue());
        assertEquals(
                option("evaluate", "--iw-samples").description()[0],
                option(command, "--iw-samples").description()[0]);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "evaluate",
                "score",
                "calibrate",
                "detection",
                "sample",
                "attach-background",
                "select-background"
            })
    void modelCommandsRequireTheSameModelOption(String command) {
        assertTrue(option(command, "--model").required());
        assertEquals("DIR", option(command, "--model").paramLabel());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "train",
                "evaluate",
                "score",
                "calibrate",
                "detection",
                "sample",
                "select-background"
            })
    void everyCommandThatRunsAModelDefaultsToAutoDevice(String command) {
        assertEquals("auto", option(command, "--device").defaultValue());
    }

    @Test
    void everyHelpTextIsAFormatStringAsPicocliRendersIt() {
        // picocli formats each help line with String.format after filling in ${...} variables; a
        // bare '%' fails there, and picocli then warns on stderr and prints the raw text
        for (CommandLine command : FlowppTrainer.commandLine().getSubcommands().values()) {
            CommandSpec spec = command.getCommandSpec();
            List<String> texts = new ArrayList<>(List.of(spec.usageMessage().description()));
            for (OptionSpec option : spec.options()) {
                texts.addAll(List.of(option.description()));
            }
            for (String text : texts) {
                String filled = text.replaceAll("\\$\\{[^}]*}", "x");
                assertDoesNotThrow(() -> String.format(filled), spec.name() + ": " + text);
            }
        }
    }

    @Test
    void detectionHelpShowsItsPercentSign() {
        Cli run = Cli.run("detection", "--help");
        assertTrue(run.out().contains("FPR at 95% TPR"), run.out());
    }
}
