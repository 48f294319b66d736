package dev.flowwatch.flowpp.bundle;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Removal of whole directories: a bundle's staging copies, and the work directories of the
 * benchmarks and the demo, which hold checkpoints and broker logs of hundreds of megabytes each.
 */
public final class Directories {

    private Directories() {}

    /** Deletes the directory and everything below it; a directory that is not there is no error. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(
                dir,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                            throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException exc)
                            throws IOException {
                        if (exc != null) {
                            throw exc;
                        }
                        Files.delete(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
    }

    /**
     * Deletes a work directory after its command has done its work: a failure to delete must not
     * turn a finished run into a failed one, but it is reported, because what is left behind can
     * fill a disk.
     */
    public static void deleteQuietly(Path dir) {
        try {
            deleteRecursively(dir);
        } catch (IOException e) {
            System.err.println("could not delete the work directory " + dir + ": " + e);
        }
    }
}
