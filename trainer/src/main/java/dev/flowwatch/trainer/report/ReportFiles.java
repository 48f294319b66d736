package dev.flowwatch.trainer.report;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes report files, creating the folder they go in, so that {@code --out runs/a/scores.csv} just
 * works, and whole: a file is written beside its target and renamed onto it, so that a crash or a
 * full disk never leaves half a report where a whole one was. A target that is a link or a device
 * ({@code /dev/stdout}) is written through, as asked.
 */
final class ReportFiles {

    private ReportFiles() {}

    static void write(Path file, byte[] content) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        if (Files.exists(target) && !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.write(target, content);
            return;
        }
        // created as the report itself would be, so it gets the same permissions
        Path partial = target.resolveSibling("." + target.getFileName() + ".partial");
        try {
            Files.write(partial, content);
            try {
                Files.move(
                        partial,
                        target,
                        StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
