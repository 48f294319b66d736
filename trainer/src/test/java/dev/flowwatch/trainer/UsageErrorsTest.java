package dev.flowwatch.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Bad arguments are usage errors: exit code 2 and a message naming the option, before any work. */
class UsageErrorsTest {

    @TempDir Path dir;

    private String data;

    @BeforeEach
    void writeData() throws IOException {
        data = TinyData.write(dir, "usage", 4, 1).toString();
    }

    private static void assertUsageError(String option, String... args) {
        Cli run = Cli.run(args);
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains(option), "message should name " + option + ": " + run.err());
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertUsageError(
                "--learning-rate", "train", "--data", data, "--out", "x", "--learning-rate", "1");
    }

    @Test
    void missingRequiredOptionIsAUsageError() {
        assertUsageError("--data", "train", "--out", dir.resolve("out").toString());
    }

    @Test
    void unknownPresetIsAUsageError() {
        assertUsageError("--preset", "train", "--data", data, "--out", "x", "--preset", "huge");
    }

    @Test
    void nonPositiveBatchSizeIsAUsageError() {
        assertUsageError(
                "--batch-size", "train", "--data", data, "--out", "x", "--batch-size", "0");
        assertUsageError(
                "--batch-size", "evaluate", "--model", "m", "--data", data, "--batch-size", "-3");
        assertUsageError(
                "--micro-batch-size",
                "train",
                "--data",
                data,
                "--out",
                "x",
                "--micro-batch-size",
                "-1");
    }

    @Test
    void anOutputFolderHoldingOtherFilesIsAUsageErrorBeforeAnyTraining() throws IOException {
        // the data's own folder: the first checkpoint would have replaced it whole
        Path folder = Path.of(data).getParent();
        try (Stream<Path> before = Files.list(folder)) {
            long files = before.count();
            assertUsageError(
                    "--out",
                    "train",
                    "--data",
                    data,
                    "--out",
                    folder.toString(),
                    "--preset",
                    "tiny",
                    "--batch-size",
                    "2",
                    "--max-steps",
                    "1");
            try (Stream<Path> after = Files.list(folder)) {
                assertEquals(files, after.count());
            }
        }
    }

    @Test
    void nonPositivePassesIsAUsageError() {
        assertUsageError("--passes", "evaluate", "--model", "m", "--data", data, "--passes", "0");
    }

    @Test
    void missingDataFileIsAUsageError() {
        assertUsageError(
                "--data",
                "score",
                "--model",
                "m",
                "--data",
                dir.resolve("nope.gz").toString(),
                "--out",
                "s.csv");
    }

    @Test
    void validationDataAndSplitTogetherAreAUsageError() {
        assertUsageError(
                "--val-split",
                "train",
                "--data",
                data,
                "--val-data",
                data,
                "--val-split",
                "0.2",
                "--out",
                "x");
    }

    @Test
    void trainWithoutOutOrResumeIsAUsageError() {
        assertUsageError("--out", "train", "--data", data);
    }

    @Test
    void unknownDeviceIsAUsageError() {
        assertUsageError(
                "--device",
                "sample",
                "--model",
                dir.toString(),
                "--out",
                "g.png",
                "--device",
                "tpu");
    }

    @Test
    void noSubcommandIsAUsageError() {
        assertUsageError("subcommand");
    }

    @Test
    void helpListsTheCommandsAndSucceeds() {
        Cli run = Cli.run("--help");
        assertEquals(0, run.exitCode());
        for (String command : new String[] {"train", "evaluate", "score", "sample"}) {
            assertTrue(run.out().contains(command), run.out());
        }
    }
}
