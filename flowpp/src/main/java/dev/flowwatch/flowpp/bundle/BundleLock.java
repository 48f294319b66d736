package dev.flowwatch.flowpp.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Supplier;

/**
 * The one writer of a bundle at a time: an exclusive lock on {@code .<bundle>.lock} beside it, held
 * while a writer reads what it keeps of the bundle and installs the new one. Two writers at once (a
 * {@code calibrate} during a {@code train}, two attaches) would otherwise share a staging
 * directory, or the later would install the bundle as it read it before the earlier one wrote, and
 * lose what that added. A second writer fails at once, naming the lock, rather than wait: a
 * training run holds it only while it writes a checkpoint, so trying again succeeds.
 */
final class BundleLock {

    private BundleLock() {}

    /**
     * Runs {@code work} holding the lock of the bundle at {@code target}.
     *
     * @throws IllegalStateException if another writer holds it
     */
    static <T> T holding(Path target, Supplier<T> work) {
        Path dir = target.toAbsolutePath().normalize();
        Path lockFile = dir.resolveSibling("." + dir.getFileName() + ".lock");
        try {
            Files.createDirectories(dir.getParent());
            try (FileChannel channel =
                    FileChannel.open(
                            lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // held by this JVM
                }
                if (lock == null) {
                    throw new IllegalStateException(
                            "model bundle "
                                    + dir
                                    + " is being written by another writer (it holds "
                                    + lockFile
                                    + "); try again once it is done");
                }
                try (FileLock held = lock) {
                    return work.get();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "locking model bundle " + dir + ": " + e.getMessage(), e);
        }
    }
}
