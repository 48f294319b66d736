package dev.flowwatch.trainer.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes report files, creating the folder they go in, so that {@code --out runs/a/scores.csv} just
 * works, and whole: a file is written beside its target and renamed onto it, so that a crash or a
 * full disk never leaves half a report where a whole one was.
 */
final class ReportFiles {

    private ReportFiles() {}

    static void write(Path file, byte[] content) throws IOException {
        Path target = file.toAbsolutePath();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path partial = Files.createTempFile(parent, "." + target.getFileName(), ".partial");
        try {
            Files.write(partial, content);
            Files.move(
                    partial,
                    target,
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
