package dev.flowwatch.trainer.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

class ReportFilesTest {

    @TempDir Path dir;

    @Test
    void aReportIsWrittenWholeWithThePermissionsAFileWrittenThereGetsAndNothingBeside()
            throws IOException {
        Path report = dir.resolve("runs/a/scores.csv");
        ReportFiles.write(report, new byte[] {1, 2});
        ReportFiles.write(report, new byte[] {3});
        assertArrayEquals(new byte[] {3}, Files.readAllBytes(report));
        Path plain = Files.write(dir.resolve("runs/a/plain.csv"), new byte[] {4});
        assertEquals(
                Files.getPosixFilePermissions(plain),
                Files.getPosixFilePermissions(report),
                "readable by whoever may read a file written there");
        try (Stream<Path> files = Files.list(report.getParent())) {
            assertEquals(2, files.count(), "no partial file left");
        }
    }

    @Test
    void aLinkIsWrittenThroughNotReplaced() throws IOException {
        Path real = Files.write(dir.resolve("real.csv"), new byte[] {1});
        Path link = Files.createSymbolicLink(dir.resolve("link.csv"), real);
        ReportFiles.write(link, new byte[] {2});
        assertTrue(Files.isSymbolicLink(link));
        assertArrayEquals(new byte[] {2}, Files.readAllBytes(real));
    }
}
