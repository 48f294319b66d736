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

/**
 * One batching task's part of the {@link ScoringJournal}: the events of its pass in flight (file
 * {@code <task>.<instance>.pass}, written before the pass and deleted once it ends, however it
 * ends) and the events that were in a pass when an earlier process ended, with how many times
 * ({@code <task>.<instance>.suspects}). Thread-safe: a pipelined task's passes run on a thread of
 * their own.
 *
 * <p>I/O failures are logged once and otherwise ignored: the journal only ever protects against a
 * crash loop, and a disk that refuses it must not stop the scoring it protects.
 */
final class TaskJournal {

    private static final Logger LOG = LoggerFactory.getLogger(TaskJournal.class);

    /**
     * How long an event counts its crashes: one scored by another process after a rebalance is
     * never settled here, and would otherwise be carried from process to process for ever.
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

    /** How many passes ended the process while the event was in them; the last one's time. */
    private record Suspect(int crashes, long lastCrashMs) {}

    private final String taskId;
    private final Path pass;
    private final Path suspectsFile;
    private final Map<Ref, Suspect> suspects;
    private boolean failed;

    private TaskJournal(Path directory, String taskId, String instance, Map<Ref, Suspect> found) {
        this.taskId = taskId;
        this.pass = directory.resolve(taskId + "." + instance + PASS);
        this.suspectsFile = directory.resolve(taskId + "." + instance + SUSPECTS);
        this.suspects = found;
    }

    /**
     * Reads and deletes the task's files that instances of other processes left: the events of a
     * pass one of them never saw end count one crash more than it had counted them.
     */
    static TaskJournal open(
            Path directory, String taskId, String instance, String process, Clock clock) {
        Map<String, Map<Ref, Suspect>> byInstance = new HashMap<>();
        long now = clock.millis();
        try {
            Files.createDirectories(directory);
            List<Path> left = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, taskId + ".*")) {
                files.forEach(left::add);
            }
            // each instance's suspects before its pass, which counts one crash more than they do
            left.sort(Comparator.comparing(f -> f.getFileName().toString().endsWith(PASS)));
            for (Path file : left) {
                // <task>.<instance>.<kind>, or .next after it while being written
                String[] parts = file.getFileName().toString().split("\\.");
                if (parts.length < 3 || parts[1].startsWith(process + "-")) {
                    continue;
                }
                if (parts.length == 3) {
                    read(
                            file,
                            "." + parts[2],
                            now,
                            byInstance.computeIfAbsent(parts[1], k -> new HashMap<>()));
                }
                Files.delete(file);
            }
        } catch (IOException e) {
            LOG.warn("Task {}: the scoring journal in {} cannot be read: {}", taskId, directory, e);
        }
        Map<Ref, Suspect> found = new HashMap<>();
        long forgetBefore = now - SUSPECT_MEMORY.toMillis();
        byInstance
                .values()
                .forEach(
                        of ->
                                of.forEach(
                                        (ref, s) -> {
                                            if (s.lastCrashMs() >= forgetBefore) {
                                                found.merge(ref, s, TaskJournal::worse);
                                            }
                                        }));
        TaskJournal journal = new TaskJournal(directory, taskId, instance, found);
        if (!found.isEmpty()) {
            LOG.warn(
                    "Task {}: {} event(s) were in a forward pass when an earlier process ended (up"
                        + " to {} time(s)); each is scored alone until it is scored or given up",
                    taskId,
                    found.size(),
                    found.values().stream().mapToInt(Suspect::crashes).max().orElse(0));
            journal.writeSuspects();
        }
        return journal;
    }

    /** Passes that ended the process while the event was in them. */
    synchronized int crashes(Ref ref) {
        Suspect s = suspects.get(ref);
        return s == null ? 0 : s.crashes();
    }

    /** Records the events of the pass about to start, before it starts. */
    synchronized void passStarting(List<Ref> refs) {
        List<String> lines = new ArrayList<>(refs.size());
        refs.forEach(ref -> lines.add(encode(ref)));
        write(pass, lines);
    }

    /** The pass ended, in a result or an exception: it did not end the process. */
    synchronized void passEnded() {
        try {
            Files.deleteIfExists(pass);
        } catch (IOException e) {
            failed(e);
        }
    }

    /** The event left the store (scored or a dead letter): its crashes no longer matter. */
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
                (ref, s) -> lines.add(s.crashes() + " " + s.lastCrashMs() + " " + encode(ref)));
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

    private void failed(IOException e) {
        if (!failed) {
            failed = true;
            LOG.warn(
                    "Task {}: the scoring journal cannot be written ({}); a pass that ends the"
                            + " process will not be known as such after a restart",
                    taskId,
                    e.toString());
        }
    }

    private static void read(Path file, String kind, long now, Map<Ref, Suspect> into)
            throws IOException {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.split(" ", -1);
                if (kind.equals(SUSPECTS)) {
                    into.merge(
                            decode(f, 2),
                            new Suspect(Integer.parseInt(f[0]), Long.parseLong(f[1])),
                            TaskJournal::worse);
                } else if (kind.equals(PASS)) {
                    into.merge(
                            decode(f, 0),
                            new Suspect(1, now),
                            (known, crash) -> new Suspect(known.crashes() + 1, now));
                }
            }
        } catch (RuntimeException e) {
            // a file of another version, or damaged: what it says is lost, nothing else
            LOG.warn(
                    "The scoring journal file {} cannot be read, ignoring it: {}",
                    file,
                    e.toString());
        }
    }

    private static Suspect worse(Suspect a, Suspect b) {
        return a.crashes() >= b.crashes() ? a : b;
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
