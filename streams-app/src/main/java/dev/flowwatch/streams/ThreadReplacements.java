package dev.flowwatch.streams;

import dev.flowwatch.streams.metrics.ProbeStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Counts stream threads replaced after an uncaught exception within a sliding window, and fails
 * the liveness probe once there were {@code health.max-thread-replacements} within {@code
 * health.window.seconds}. A replaced thread that dies again on the same cause (a topic deleted
 * while running, a record the producer can never write, an authorization revoked) would otherwise
 * loop inside a pod that looks healthy; a restart at least starts afresh, checks the topics and
 * makes the loop visible as restarts.
 */
final class ThreadReplacements {

    private final int max;
    private final Duration window;
    private final Deque<Instant> replacedAt = new ArrayDeque<>();

    ThreadReplacements(int max, Duration window) {
        this.max = max;
        this.window = window;
    }

    synchronized void replaced(Instant now) {
        replacedAt.addLast(now);
        forgetBefore(now.minus(window));
    }

    synchronized ProbeStatus health(Instant now) {
        forgetBefore(now.minus(window));
        if (replacedAt.size() < max) {
            return ProbeStatus.OK;
        }
        return ProbeStatus.failing(
                replacedAt.size()
                        + " stream threads died and were replaced in the last "
                        + window.toSeconds()
                        + " s (health.max-thread-replacements="
                        + max
                        + ", health.window.seconds="
                        + window.toSeconds()
                        + "); see the log for their exceptions");
    }

    private void forgetBefore(Instant start) {
        while (!replacedAt.isEmpty() && !replacedAt.peekFirst().isAfter(start)) {
            replacedAt.removeFirst();
        }
    }
}
