package dev.flowwatch.streams.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flowwatch.streams.engine.BatchScorer;
import dev.flowwatch.streams.engine.ScoredBatch;

import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;

class ReplayRateTest {

    /** Each batch takes {@code secondsPerBatch} on a clock that moves only when it scores. */
    private static final class TimedScorer implements BatchScorer {
        private final long nanosPerBatch;
        long now;
        int batches;

        TimedScorer(double secondsPerBatch) {
            this.nanosPerBatch = (long) (secondsPerBatch * 1e9);
        }

        @Override
        public ScoredBatch score(List<byte[]> images) {
            now += nanosPerBatch;
            batches++;
            return null;
        }
    }

    private static final List<byte[]> BATCH = Collections.nCopies(64, new byte[4]);

    @Test
    void measuredRateIsSixtyPercentOfTheEnginesImagesPerSecond() {
        // the 2-core machine of the issue: 53 images/s at batch 64
        TimedScorer engine = new TimedScorer(64 / 53.0);
        ReplayRate rate = ReplayRate.measured(engine, BATCH, () -> engine.now);
        assertEquals(0.6 * 53, rate.eventsPerSecond(), 1e-6);
        assertEquals(
                "60% of the 53.0 images/s the scoring engine managed on 3 batches of 64 just now"
                        + " (--rate overrides)",
                rate.reason());
    }

    @Test
    void measurementLastsAtLeastThreeSecondsAndTwoBatches() {
        TimedScorer fast = new TimedScorer(0.01);
        ReplayRate.measured(fast, BATCH, () -> fast.now);
        assertEquals(300, fast.batches);
        TimedScorer slow = new TimedScorer(5);
        ReplayRate.measured(slow, BATCH, () -> slow.now);
        assertEquals(2, slow.batches);
    }

    @Test
    void givenRateIsUsedAsIs() {
        assertEquals(new ReplayRate(250, "as --rate asks"), ReplayRate.given(250));
    }
}
