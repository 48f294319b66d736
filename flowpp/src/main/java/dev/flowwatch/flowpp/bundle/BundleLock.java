package dev.flowwatch.flowpp.bundle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The one writer of a bundle at a time: an exclusive lock on {@code .<bundle>.lock} beside it, held
 * while a writer reads what it keeps of the bundle and installs the new one. Two writers at once (a
 * {@code calibrate} while {@code train} writes a checkpoint, two attaches) would otherwise share a
 * staging directory, or the later would install the bundle as it read it before the earlier one
 * wrote, and lose what that added.
 *
 * <p>The lock file stays (deleting it would let a third writer lock a new file while a second holds
 * the old one); it is made writable by the group, as a shared model volume's other writers need.
 * Where the file system has no locks (NFS mounted {@code nolock}) writes go on without, with a
 * warning.
 */
final class BundleLock {

    private static final Logger LOG = LoggerFactory.getLogger(BundleLock.class);

    /**
     * The writers of this JVM, one lock per bundle: a file lock is the JVM's, and a second channel
     * of this JVM on the same file would release it when closed.
     */
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_THIS_JVM =
            new ConcurrentHashMap<>();

    private BundleLock() {}

    /**
     * Runs {@code work} holding the lock of the bundle at {@code target}.
     *
     * @param wait whether to wait for another writer (a training run's checkpoint, which must not
     *     fail on a calibration being written) or to fail at once
     * @throws BundleException if another writer holds it and {@code wait} is false
     */
    static <T> T holding(Path target, boolean wait, Supplier<T> work) {
        Path dir = real(target);
        Path lockFile = dir.resolveSibling("." + dir.getFileName() + ".lock");
        ReentrantLock local = IN_THIS_JVM.computeIfAbsent(dir, d -> new ReentrantLock());
        if (wait) {
            local.lock();
        } else if (!local.tryLock()) {
            throw busy(lockFile);
        }
        try (FileChannel channel = open(lockFile)) {
            FileLock lock;
            try {
                lock = wait ? channel.lock() : channel.tryLock();
            } catch (IOException unsupported) {
                LOG.warn(
                        "Cannot lock {} ({}): writing model bundle {} without a lock; another"
                                + " writer at the same time could undo this one",
                        lockFile,
                        unsupported.toString(),
                        dir);
                return work.get();
            }
            if (lock == null) {
                throw busy(lockFile);
            }
            try (FileLock held = lock) {
                return work.get();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "locking model bundle " + dir + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }

    /** The bundle's real path where it exists, so that a link to it takes the same lock. */
    private static Path real(Path target) {
        Path dir = target.toAbsolutePath().normalize();
        try {
            return Files.exists(dir) ? dir.toRealPath() : dir;
        } catch (IOException e) {
            return dir;
        }
    }

    private static FileChannel open(Path lockFile) throws IOException {
        Files.createDirectories(lockFile.getParent());
        boolean created = !Files.exists(lockFile);
        FileChannel channel =
                FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (created) {
            try {
                Files.setPosixFilePermissions(
                        lockFile, PosixFilePermissions.fromString("rw-rw-r--"));
            } catch (UnsupportedOperationException | IOException e) {
                // not POSIX, or not ours to change: the umask's permissions stand
            }
        }
        return channel;
    }

    private static BundleException busy(Path lockFile) {
        return new BundleException(
                lockFile, "another writer of the model bundle holds it; try again once it is done");
    }
}
