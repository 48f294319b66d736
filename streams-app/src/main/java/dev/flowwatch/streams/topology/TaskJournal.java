package dev.flowwatch.streams.topology;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * One batching task's part of the {@link ScoringJournal}: the events of its pass in flight (file
 * {@code <task>.<instance>.pass}, written before the pass and deleted once it ends in a result or
 * an exception) and the events that were in a pass when an earlier process ended, with how many
 * times ({@code <task>.<instance>.suspects}). Thread-safe: a pipelined task's passes run on a
 * thread of their own.
 *
 * <p>A pass of one suspect alone is exclusive in the process (no other task's pass runs beside it),
 * so that a death in it is that event's alone: otherwise the events of every other task's pass
 * would count it too, and an innocent one scored alone beside the culprit after each restart would
 * be given up with it.
 *
 * <p>I/O failures are logged once and otherwise ignored: the journal only ever protects against a
 * crash loop, and a disk that refuses it must not stop the scoring it protects.
 */
final class TaskJournal {

    private static final Logger LOG = LoggerFactory.getLogger(TaskJournal.class);

    /**
     * How long an event counts its crashes: one scored by another process after a rebalance, or
     * given up (its dead letter may not have committed when the count was last written), is never
     * settled here, and would otherwise be carried from process to process for ever.
     */
    static final Duration SUSPECT_MEMORY = Duration.ofDays(1);

    private static final String PASS = ".pass";
    private static final String SUSPECTS = ".suspects";

    /** The event of a pending record: where it was read and its id. */
    record Ref(SourceRecord source, String eventId) {

        static Ref of(PendingEvent e) {
            return new Ref(e.source(), e.event().getId());
        }
    }

    /**
     * Passes that ended the process while the event was in them, those of them with the event
     * alone, and when the last one did.
     */
    record Crashes(int total, int alone, long lastMs) {

        static final Crashes NONE = new Crashes(0, 0, Long.MIN_VALUE);

        Crashes oneMore(boolean aloneInIt, long atMs) {
            return new Crashes(total + 1, alone + (aloneInIt ? 1 : 0), atMs);
        }

        static Crashes worse(Crashes a, Crashes b) {
            return a.total() >= b.total() ? a : b;
        }
    }

    private final String taskId;
    private final Path pass;
    private final Path suspectsFile;
    private final Map<Ref, Crashes> suspects;
    private final ReadWriteLock passes;
    private boolean failed;

    private TaskJournal(
            Path directory,
            String taskId,
            String instance,
            Map<Ref, Crashes> found,
            ReadWriteLock passes) {
        this.taskId = taskId;
        this.pass = directory.resolve(taskId + "." + instance + PASS);
        this.suspectsFile = directory.resolve(taskId + "." + instance + SUSPECTS);
        this.suspects = found;
        this.passes = passes;
    }

    /**
     * Reads and deletes the task's files that earlier instances left: every file of other
     * processes, where the events of a pass that never ended count one crash more than that
     * instance had counted them, and the suspects of this process's own earlier instances (a task
     * opened again after a rebalance or a thread replacement), whose passes may still be running.
     *
     * @param passes the process's lock of passes: shared by ordinary passes, exclusive for a
     *     suspect's pass alone
     */
    static TaskJournal open(
            Path directory,
            String taskId,
            String instance,
            String process,
            Clock clock,
            ReadWriteLock passes) {
        Map<String, Map<Ref, Crashes>> byInstance = new HashMap<>();
        List<Path> left = new ArrayList<>();
        try {
            Files.createDirectories(directory);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, taskId + ".*")) {
                files.forEach(left::add);
            }
        } catch (IOException e) {
            LOG.warn("Task {}: the scoring journal in {} cannot be read: {}", taskId, directory, e);
        }
        // each instance's suspects before its pass, which counts one crash more than they do
        left.sort(Comparator.comparing(f -> f.getFileName().toString().endsWith(PASS)));
        for (Path file : left) {
            // <task>.<instance>.<kind>, or .next after it while being written
            String[] parts = file.getFileName().toString().split("\\.");
            boolean ours = parts.length > 1 && parts[1].startsWith(process + "-");
            if (parts.length < 3 || (ours && !file.toString().endsWith(SUSPECTS))) {
                continue;
            }
            if (parts.length == 3) {
                read(file, byInstance.computeIfAbsent(parts[1], k -> new HashMap<>()));
            }
            try {
                Files.delete(file);
            } catch (IOException e) {
                LOG.warn("Task {}: cannot delete the scoring journal file {}: {}", taskId, file, e);
            }
        }
        Map<Ref, Crashes> found = new HashMap<>();
        long forgetBefore = clock.millis() - SUSPECT_MEMORY.toMillis();
        for (Map<Ref, Crashes> of : byInstance.values()) {
            of.forEach(
                    (ref, crashes) -> {
                        if (crashes.lastMs() >= forgetBefore) {
                            found.merge(ref, crashes, Crashes::worse);
                        }
                    });
        }
        TaskJournal journal = new TaskJournal(directory, taskId, instance, found, passes);
        if (!found.isEmpty()) {
            LOG.warn(
                    "Task {}: {} event(s) were in a forward pass when an earlier process ended (up"
                            + " to {} time(s)); each is scored alone until it is scored or given"
                            + " up",
                    taskId,
                    found.size(),
                    found.values().stream().mapToInt(Crashes::total).max().orElse(0));
            journal.writeSuspects();
        }
        return journal;
    }

    /** Passes that ended the process while the event was in them. */
    synchronized Crashes crashes(Ref ref) {
        return suspects.getOrDefault(ref, Crashes.NONE);
    }

    /**
     * Takes the process's lock of passes (exclusive for a suspect alone), then records the events
     * of the pass about to start. The thread that runs the pass calls this, and then {@link
     * Pass#ended} or {@link Pass#abandoned} of what it returns.
     */
    Pass passStarting(List<Ref> refs, boolean suspectAlone) {
        Lock lock = suspectAlone ? passes.writeLock() : passes.readLock();
        lock.lock();
        try {
            List<String> lines = new ArrayList<>(refs.size());
            refs.forEach(ref -> lines.add((suspectAlone ? 1 : 0) + " " + encode(ref)));
            synchronized (this) {
                write(pass, lines);
            }
            return new Pass(lock);
        } catch (RuntimeException | Error e) {
            lock.unlock();
            throw e;
        }
    }

    /** A pass in flight: its record on disk and its hold on the process's lock of passes. */
    final class Pass {

        private final Lock lock;

        private Pass(Lock lock) {
            this.lock = lock;
        }

        /** The pass ended, in a result or an exception: it did not end the process. */
        void ended() {
            try {
                synchronized (TaskJournal.this) {
                    Files.deleteIfExists(pass);
                }
            } catch (IOException e) {
                failed(e);
            } finally {
                lock.unlock();
            }
        }

        /**
         * The pass threw an Error, on which the app exits: its record stays, as if the process had
         * died in it, and the lock is let go so that the other threads can close.
         */
        void abandoned() {
            lock.unlock();
        }
    }

    /** The event was scored: its crashes no longer matter. */
    synchronized void settled(Ref ref) {
        if (suspects.remove(ref) != null) {
            writeSuspects();
        }
    }

    private void writeSuspects() {
        if (suspects.isEmpty()) {
            try {
                Files.deleteIfExists(suspectsFile);
            } catch (IOException e) {
                failed(e);
            }
            return;
        }
        List<String> lines = new ArrayList<>(suspects.size());
        suspects.forEach(
                (ref, c) ->
                        lines.add(
                                c.total()
                                        + " "
                                        + c.alone()
                                        + " "
                                        + c.lastMs()
                                        + " "
                                        + encode(ref)));
        write(suspectsFile, lines);
    }

    /** Written beside and renamed: a crash while writing leaves the old file or the new one. */
    private void write(Path file, List<String> lines) {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        try {
            Files.write(next, lines, StandardCharsets.UTF_8);
            Files.move(
                    next,
                    file,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            failed(e);
        }
    }

    private synchronized void failed(IOException e) {
        if (!failed) {
            failed = true;
            LOG.warn(
                    "Task {}: the scoring journal cannot be written ({}); a pass that ends the"
                            + " process will not be known as such after a restart",
                    taskId,
                    e.toString());
        }
    }

    /** One file's counts into {@code into}; a pass counts as of when its file was last written. */
    private static void read(Path file, Map<Ref, Crashes> into) {
        try {
            boolean pass = file.toString().endsWith(PASS);
            long writtenMs = Files.getLastModifiedTime(file).toMillis();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.split(" ", -1);
                if (pass) {
                    boolean alone = f[0].equals("1");
                    into.merge(
                            decode(f, 1),
                            Crashes.NONE.oneMore(alone, writtenMs),
                            (known, crash) -> known.oneMore(alone, writtenMs));
                } else {
                    into.merge(
                            decode(f, 3),
                            new Crashes(
                                    Integer.parseInt(f[0]),
                                    Integer.parseInt(f[1]),
                                    Long.parseLong(f[2])),
                            Crashes::worse);
                }
            }
        } catch (IOException | RuntimeException e) {
            // a file of another version, or damaged: what it says is lost, nothing else
            LOG.warn(
                    "The scoring journal file {} cannot be read, ignoring it: {}",
                    file,
                    e.toString());
        }
    }

    private static String encode(Ref ref) {
        SourceRecord s = ref.source();
        return s.partition()
                + " "
                + s.offset()
                + " "
                + base64(s.topic())
                + " "
                + base64(ref.eventId());
    }

    private static Ref decode(String[] fields, int from) {
        return new Ref(
                new SourceRecord(
                        text(fields[from + 2]),
                        Integer.parseInt(fields[from]),
                        Long.parseLong(fields[from + 1])),
                text(fields[from + 3]));
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
