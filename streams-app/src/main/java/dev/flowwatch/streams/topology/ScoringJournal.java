package dev.flowwatch.streams.topology;

import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Which events each batching task has in a forward pass, kept on disk beside the Kafka Streams
 * state, so that a process that dies in a pass (a native crash, the OOM killer, a liveness probe's
 * kill of a hung pass) is known as such once restarted. Under exactly-once nothing of the dead
 * process's transaction survives, the batch's events included: without this record the restarted
 * process would score the same batch again, and die again, for ever.
 *
 * <p>One per app start: its files carry a name of their own, so that a task opened again knows the
 * files of earlier processes (the evidence) from those of its own live passes; and it holds the
 * process's lock of passes, which a suspect's pass alone takes for itself ({@link TaskJournal}).
 * The files live in {@code <state.dir>/flowwatch-scoring-journal/<application.id>/}, outside the
 * task directories, which Kafka Streams wipes when it restores a task after a crash under
 * exactly-once.
 */
public final class ScoringJournal {

    private final Path directory;
    private final String process;
    private final Clock clock;
    private final AtomicLong opened = new AtomicLong();
    private final ReadWriteLock passes = new ReentrantReadWriteLock(true);

    ScoringJournal(Path directory, String process, Clock clock) {
        this.directory = directory;
        this.process = process;
        this.clock = clock;
    }

    /** The journal of this app start, for the tasks of {@code applicationId}. */
    public static ScoringJournal under(Path stateDir, String applicationId) {
        return new ScoringJournal(
                stateDir.resolve("flowwatch-scoring-journal").resolve(applicationId),
                UUID.randomUUID().toString(),
                Clock.systemUTC());
    }

    /**
     * Opens the task's journal, taking over what earlier processes left of it: each event of a pass
     * that one of them never saw end counts one crash more.
     */
    TaskJournal open(String taskId) {
        return TaskJournal.open(
                directory,
                taskId,
                process + "-" + opened.incrementAndGet(),
                process,
                clock,
                passes);
    }
}
