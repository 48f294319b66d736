package dev.flowwatch.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.streams.metrics.ProbeStatus;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

class ThreadReplacementsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void healthFailsOnceTooManyThreadsDiedWithinTheWindowAndRecoversAfterIt() {
        ThreadReplacements replacements = new ThreadReplacements(3, Duration.ofSeconds(60));
        replacements.replaced(T0);
        replacements.replaced(T0.plusSeconds(10));
        assertTrue(replacements.health(T0.plusSeconds(10)).ok(), "2 of 3");

        replacements.replaced(T0.plusSeconds(20));

        ProbeStatus status = replacements.health(T0.plusSeconds(20));
        assertFalse(status.ok());
        assertTrue(status.reason().contains("health.max-thread-replacements=3"), status.reason());
        assertTrue(replacements.health(T0.plusSeconds(61)).ok(), "the first left the window");
    }

    @Test
    void deathsSpreadWiderThanTheWindowNeverFailHealth() {
        ThreadReplacements replacements = new ThreadReplacements(2, Duration.ofSeconds(60));
        for (int minute = 0; minute < 10; minute++) {
            Instant now = T0.plus(Duration.ofMinutes(minute));
            replacements.replaced(now);
            assertTrue(replacements.health(now).ok(), "minute " + minute);
        }
    }
}
