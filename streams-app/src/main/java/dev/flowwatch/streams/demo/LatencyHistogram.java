package dev.flowwatch.streams.demo;

import java.util.Arrays;

/**
 * Latencies in whole milliseconds, counted in one bucket per millisecond up to a ceiling: exact
 * percentiles at that resolution in constant memory, however long the demo runs.
 */
final class LatencyHistogram {

    private final long[] counts;
    private long total;

    LatencyHistogram(int maxMillis) {
        this.counts = new long[maxMillis + 1];
    }

    /** Negative latencies (clock skew) count as 0, longer ones as the ceiling. */
    void record(long millis) {
        counts[(int) Math.max(0, Math.min(counts.length - 1, millis))]++;
        total++;
    }

    long count() {
        return total;
    }

    /**
     * The smallest latency with at least {@code quantile} of the recorded ones at or below it; -1
     * when empty.
     */
    long percentile(double quantile) {
        if (total == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        long seen = 0;
        for (int ms = 0; ms < counts.length; ms++) {
            seen += counts[ms];
            if (seen >= rank) {
                return ms;
            }
        }
        return counts.length - 1;
    }

    void reset() {
        Arrays.fill(counts, 0);
        total = 0;
    }
}
