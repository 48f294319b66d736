package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

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
        first.passStarting(List.of(A));
        first.passEnded();
        first.passStarting(List.of(A, B)); // the process dies in this pass

        TaskJournal second = process("p2").open("0_0");
        assertEquals(1, second.crashes(A));
        assertEquals(1, second.crashes(B));
        assertEquals(0, process("p3").open("0_1").crashes(A), "another task's journal");
    }

    @Test
    void theProcessDoesNotTakeItsOwnLivePassForEvidence() {
        ScoringJournal alive = process("p1");
        TaskJournal closing = alive.open("0_0");
        closing.passStarting(List.of(A)); // still running while the task opens again here

        assertEquals(0, alive.open("0_0").crashes(A));
        assertEquals(1, process("p2").open("0_0").crashes(A));
    }

    @Test
    void countsAddUpAcrossProcessesUntilTheEventSettles() {
        process("p1").open("0_0").passStarting(List.of(A, B));
        TaskJournal second = process("p2").open("0_0");
        second.passStarting(List.of(A));
        assertEquals(2, process("p3").open("0_0").crashes(A));

        TaskJournal fourth = process("p4").open("0_0");
        assertEquals(2, fourth.crashes(A));
        assertEquals(1, fourth.crashes(B));
        fourth.settled(A);
        fourth.settled(B);
        assertEquals(0, process("p5").open("0_0").crashes(A));
    }

    @Test
    void countsOlderThanADayAreForgotten() {
        process("p1").open("0_0").passStarting(List.of(A));
        process("p2").open("0_0"); // keeps A's count, stamped now

        now = now.plus(TaskJournal.SUSPECT_MEMORY).plus(Duration.ofMinutes(1));
        assertEquals(0, process("p3").open("0_0").crashes(A));
    }

    @Test
    void aDamagedFileIsIgnoredAndRemoved() throws IOException {
        Files.writeString(dir.resolve("0_0.p1-1.suspects"), "not a journal line\n");
        process("p0").open("0_0").passStarting(List.of(B));

        TaskJournal next = process("p2").open("0_0");
        assertEquals(0, next.crashes(A));
        assertEquals(1, next.crashes(B), "the readable file still counts");
        try (var left = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("0_0.p2-1.suspects")), left.toList());
        }
    }
}
