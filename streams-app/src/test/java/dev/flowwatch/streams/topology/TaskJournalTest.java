package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

class TaskJournalTest {

    private static final TaskJournal.Ref A =
            new TaskJournal.Ref(new SourceRecord("images", 0, 7), "a");
    private static final TaskJournal.Ref B =
            new TaskJournal.Ref(new SourceRecord("images", 0, 8), "b");

    @TempDir Path dir;

    private Instant now = Instant.parse("2026-11-28T12:00:00Z");

    private ScoringJournal process(String name) {
        return new ScoringJournal(dir, name, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void aPassThatEndedIsNoEvidenceAndOneThatDidNotCountsOnceForEachOfItsEvents() {
        TaskJournal first = process("p1").open("0_0");
        first.passStarting(List.of(A), false).ended();
        first.passStarting(List.of(A, B), false); // the process dies in this pass

        TaskJournal second = process("p2").open("0_0");
        assertEquals(1, second.crashes(A).total());
        assertEquals(1, second.crashes(B).total());
        assertEquals(0, process("p3").open("0_1").crashes(A).total(), "another task's journal");
    }

    @Test
    void theProcessDoesNotTakeItsOwnLivePassForEvidence() {
        ScoringJournal alive = process("p1");
        TaskJournal closing = alive.open("0_0");
        closing.passStarting(List.of(A), false); // still running while the task opens again here

        assertEquals(0, alive.open("0_0").crashes(A).total());
        assertEquals(1, process("p2").open("0_0").crashes(A).total());
    }

    @Test
    void countsAddUpAcrossProcessesUntilTheEventSettles() {
        process("p1").open("0_0").passStarting(List.of(A, B), false);
        TaskJournal second = process("p2").open("0_0");
        second.passStarting(List.of(A), false);
        assertEquals(2, process("p3").open("0_0").crashes(A).total());

        TaskJournal fourth = process("p4").open("0_0");
        assertEquals(2, fourth.crashes(A).total());
        assertEquals(1, fourth.crashes(B).total());
        fourth.settled(A);
        fourth.settled(B);
        assertEquals(0, process("p5").open("0_0").crashes(A).total());
    }

    @Test
    void countsOlderThanADayAreForgottenAPassAsOfWhenItWasWritten() throws IOException {
        process("p1").open("0_0").passStarting(List.of(A), false);
        stampFiles(now.minus(TaskJournal.SUSPECT_MEMORY).minusSeconds(60));
        assertEquals(0, process("p2").open("0_0").crashes(A).total(), "a stale pass");

        process("p3").open("0_0").passStarting(List.of(A), false);
        stampFiles(now);
        assertEquals(1, process("p4").open("0_0").crashes(A).total());
        now = now.plus(TaskJournal.SUSPECT_MEMORY).plusSeconds(60);
        assertEquals(0, process("p5").open("0_0").crashes(A).total());
    }

    /** Only a death in a pass of the event alone points at it; others count, but not as such. */
    @Test
    void deathsInAPassAloneAreCountedApart() {
        process("p1").open("0_0").passStarting(List.of(A, B), false);
        TaskJournal second = process("p2").open("0_0");
        assertEquals(new TaskJournal.Crashes(1, 0, second.crashes(A).lastMs()), second.crashes(A));
        second.passStarting(List.of(A), true);

        TaskJournal.Crashes a = process("p3").open("0_0").crashes(A);
        assertEquals(2, a.total());
        assertEquals(1, a.alone());
    }

    /** A rebalance or a thread replacement opens the task again in the same process. */
    @Test
    void aTaskOpenedAgainInTheSameProcessKeepsItsSuspects() {
        process("p1").open("0_0").passStarting(List.of(A), false);
        ScoringJournal alive = process("p2");
        assertEquals(1, alive.open("0_0").crashes(A).total());
        assertEquals(1, alive.open("0_0").crashes(A).total());
    }

    /**
     * Beside a suspect's pass alone, another task's pass would count its death too, and an innocent
     * event scored alone beside the culprit after each restart would be given up with it.
     */
    @Test
    void aSuspectsPassAloneWaitsForEveryOtherPassOfTheProcess() throws Exception {
        ScoringJournal journal = process("p1");
        TaskJournal running = journal.open("0_0");
        TaskJournal.Pass runningPass = running.passStarting(List.of(A), false);
        CountDownLatch started = new CountDownLatch(1);
        Thread alone =
                new Thread(
                        () -> {
                            TaskJournal other = journal.open("0_1");
                            TaskJournal.Pass alonePass = other.passStarting(List.of(B), true);
                            started.countDown();
                            alonePass.ended();
                        });
        alone.start();
        assertFalse(started.await(300, TimeUnit.MILLISECONDS), "it waits for the pass running");
        runningPass.ended();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        alone.join();
    }

    private void stampFiles(Instant time) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.setLastModifiedTime(file, FileTime.from(time));
            }
        }
    }

    @Test
    void aDamagedFileIsIgnoredAndRemoved() throws IOException {
        Files.writeString(dir.resolve("0_0.p1-1.suspects"), "not a journal line\n");
        process("p0").open("0_0").passStarting(List.of(B), false);

        TaskJournal next = process("p2").open("0_0");
        assertEquals(0, next.crashes(A).total());
        assertEquals(1, next.crashes(B).total(), "the readable file still counts");
        try (var left = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("0_0.p2-1.suspects")), left.toList());
        }
    }
}
