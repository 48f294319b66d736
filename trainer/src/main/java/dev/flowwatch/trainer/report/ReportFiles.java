package dev.flowwatch.trainer.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes report files, creating the folder they go in, so that {@code --out runs/a/scores.csv} just works. */
final class ReportFiles {

    private ReportFiles() {}

    static void write(Path file, byte[] content) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, content);
    }
}
