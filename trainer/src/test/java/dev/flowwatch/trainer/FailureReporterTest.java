package dev.flowwatch.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.train.TrainingAbortedException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class FailureReporterTest {

    @Test
    void expectedFailuresAreReportedByTheirMessageAlone() {
        assertEquals("aborted at step 3: lower --lr",
                FailureReporter.describe(new TrainingAbortedException("aborted at step 3: lower --lr")));
    }

    @Test
    void missingFilesNameThePathEvenWhenWrapped() {
        assertEquals("/data/x.gz: no such file or directory", FailureReporter.describe(
                new UncheckedIOException(new NoSuchFileException("/data/x.gz"))));
    }

    @Test
    void unexpectedFailuresPointToVerbose() {
        String line = FailureReporter.describe(new NullPointerException("model"));
        assertTrue(line.contains("NullPointerException") && line.contains("--verbose"), line);
    }
}
