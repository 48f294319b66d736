package dev.flowwatch.streams.demo;

import dev.flowwatch.streams.engine.BatchScorer;

import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The demo's replay rate: {@code --rate} when given, else a share of what the app's own scoring
 * engine scores per second, measured on demo images while the demo warms up. A fixed rate shows a
 * slow machine falling behind through no fault of the pipeline; a measured one shows it keeping up.
 *
 * @param eventsPerSecond the rate to replay at
 * @param reason why this rate, in words for the demo's output
 */
record ReplayRate(double eventsPerSecond, String reason) {

    /**
     * The share of the engine's measured speed the replay asks for. The engine is the bottleneck,
     * but the cores it measured on alone are shared in the demo with the broker, the app's other
     * steps and the demo's own producer and consumers, and batches are fuller in the measurement
     * than at an unhurried rate.
     */
    static final double SUSTAINABLE_SHARE = 0.6;

    /** Measure at least this long, so that one slow or fast batch does not decide the rate. */
    private static final long MIN_NANOS = 3_000_000_000L;

    private static final int MIN_BATCHES = 2;

    /** The rate {@code --rate} asked for. */
    static ReplayRate given(double eventsPerSecond) {
        return new ReplayRate(eventsPerSecond, "as --rate asks");
    }

    /**
     * Scores {@code batch} again and again, for at least three seconds and two batches, and takes
     * {@link #SUSTAINABLE_SHARE} of the images per second.
     *
     * @param engine the app's engine, already warmed up, with no traffic yet
     * @param nanoTime the clock, {@code System::nanoTime} outside tests
     */
    static ReplayRate measured(BatchScorer engine, List<byte[]> batch, LongSupplier nanoTime) {
        long start = nanoTime.getAsLong();
        long elapsed;
        int batches = 0;
        do {
            engine.score(batch);
            batches++;
            elapsed = nanoTime.getAsLong() - start;
        } while (batches < MIN_BATCHES || elapsed < MIN_NANOS);
        double imagesPerSecond = (double) batches * batch.size() / (elapsed / 1e9);
        double rate = SUSTAINABLE_SHARE * imagesPerSecond;
        return new ReplayRate(
                rate,
                String.format(
                        Locale.ROOT,
                        "%.0f%% of the %.1f images/s the scoring engine managed on %d batches of"
                                + " %d just now (--rate overrides)",
                        100 * SUSTAINABLE_SHARE,
                        imagesPerSecond,
                        batches,
                        batch.size()));
    }
}
