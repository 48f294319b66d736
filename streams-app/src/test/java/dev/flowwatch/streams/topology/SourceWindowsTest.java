package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.Test;

import java.time.Duration;

class SourceWindowsTest {

    private static final String STORE = "windows";
    private static final long MINUTE = 60_000;
    private static final long EXPIRY = 10 * MINUTE;

    /** The wall clock of the tests, well after every event time they use. */
    private static final long WALL_CLOCK = 1_000 * MINUTE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    private final TimestampedKeyValueStore<String, Long> store =
            inMemory(context, STORE, Serdes.Long());

    /** An in-memory store of windows as a step's processor would find it, without a changelog. */
    static <V> TimestampedKeyValueStore<String, V> inMemory(
            MockProcessorContext<?, ?> context, String name, Serde<V> serde) {
        TimestampedKeyValueStore<String, V> store =
                Stores.timestampedKeyValueStoreBuilder(
                                Stores.inMemoryKeyValueStore(name), Serdes.String(), serde)
                        .withLoggingDisabled()
                        .build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    private SourceWindows<Long> windows(Duration expiry) {
        context.setCurrentSystemTimeMs(WALL_CLOCK);
        SourceWindows<Long> w = new SourceWindows<>(STORE, expiry, new FlowwatchMetrics(registry));
        w.init(context);
        return w;
    }

    /** A record of {@code source} at {@code time} that keeps {@code value} as its window. */
    private static void event(SourceWindows<Long> w, String source, long time, long value) {
        w.get(source, time);
        w.put(source, value);
    }

    private void scan() {
        CapturedPunctuator scan = context.scheduledPunctuators().get(0);
        assertEquals(PunctuationType.WALL_CLOCK_TIME, scan.getType());
        scan.getPunctuator().punctuate(context.currentSystemTimeMs());
    }

    private double expired() {
        return registry.scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("flowwatch_source_windows_expired"))
                .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
                .filter(d -> d.getLabels().get("store").equals(STORE))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
                .sum();
    }

    @Test
    void theScanDropsTheWindowsOfSourcesIdlePastTheExpiryInEventTime() {
        SourceWindows<Long> w = windows(Duration.ofMillis(EXPIRY));
        event(w, "idle", 0, 1);
        event(w, "recent", 5 * MINUTE, 2);
        event(w, "live", EXPIRY + MINUTE, 3);
        scan();
        assertNull(store.get("idle"), "idle for 11 minutes of event time");
        assertEquals(2L, store.get("recent").value());
        assertEquals(3L, store.get("live").value());
        assertEquals(1, expired());
        assertTrue(
                context.scheduledPunctuators().get(0).getInterval().toMillis() <= EXPIRY / 4,
                "scanned often enough to drop a window within 1.25 times the expiry");
    }

    @Test
    void aSourceBackAfterTheExpiryStartsAfreshEvenBeforeAScan() {
        SourceWindows<Long> w = windows(Duration.ofMillis(EXPIRY));
        event(w, "cam", 0, 1);
        assertEquals(1L, w.get("cam", EXPIRY));
        assertNull(w.get("cam", EXPIRY + 1));
    }

    @Test
    void aTimestampAheadOfTheWallClockCountsAsTheWallClock() {
        SourceWindows<Long> w = windows(Duration.ofMillis(EXPIRY));
        event(w, "cam", WALL_CLOCK - MINUTE, 1);
        event(w, "future", Long.MAX_VALUE, 2);
        scan();
        assertEquals(1L, store.get("cam").value(), "one minute behind the wall clock");
        assertEquals(0, expired());
    }

    @Test
    void aBacklogScoredLongAfterItWasWrittenFindsItsWindows() {
        SourceWindows<Long> w = windows(Duration.ofMillis(EXPIRY));
        event(w, "cam", MINUTE, 1);
        event(w, "other", 2 * MINUTE, 2);
        scan();
        assertEquals(1L, w.get("cam", 3 * MINUTE), "the wall clock is 16 hours later");
    }

    @Test
    void aSourceSendingOldTimestampsIsStampedWithTheTasksClock() {
        SourceWindows<Long> w = windows(Duration.ofMillis(EXPIRY));
        event(w, "now", 100 * MINUTE, 1);
        event(w, "stale-clock", 0, 2);
        scan();
        assertEquals(2L, store.get("stale-clock").value());
        assertEquals(100 * MINUTE, store.get("stale-clock").timestamp());
    }

    @Test
    void nothingExpiresBeforeTheTaskScoresARecord() {
        store.put("cam", ValueAndTimestamp.make(1L, 0));
        windows(Duration.ofMillis(EXPIRY));
        scan();
        assertEquals(1L, store.get("cam").value(), "after a restart the clock is unknown");
    }

    /**
     * Kept by a version that stamped nothing: RocksDB reads the window back with -1, and a restore
     * from that version's changelog stamps it with the record's own time, maybe a future one.
     */
    @Test
    void windowsWithoutAStampOrStampedInTheFutureCountFromTheTasksFirstRecord() {
        store.put("unstamped", ValueAndTimestamp.make(1L, -1));
        store.put("future", ValueAndTimestamp.make(2L, Long.MAX_VALUE));
        SourceWindows<Long> w = windows(Duration.ofMillis(EXPIRY));
        assertNull(w.get("cam", 30 * MINUTE));
        scan();
        assertEquals(1L, store.get("unstamped").value());
        assertEquals(2L, w.get("future", 30 * MINUTE + EXPIRY));
        event(w, "cam", 30 * MINUTE + EXPIRY + 1, 3);
        scan();
        assertNull(store.get("unstamped"));
        assertNull(store.get("future"));
        assertEquals(2, expired());
    }

    /** Else a partition whose sources all left would keep their windows for ever. */
    @Test
    void withoutRecordsTheTasksClockMovesWithTheWallClock() {
        SourceWindows<Long> w = windows(Duration.ofMillis(EXPIRY));
        event(w, "cam", WALL_CLOCK - MINUTE, 1);
        context.setCurrentSystemTimeMs(WALL_CLOCK + EXPIRY - MINUTE);
        scan();
        assertEquals(1L, store.get("cam").value(), "idle for 9 minutes");
        context.setCurrentSystemTimeMs(WALL_CLOCK + EXPIRY + MINUTE);
        scan();
        assertNull(store.get("cam"), "idle for 11 minutes");
    }

    @Test
    void aZeroExpiryKeepsEveryWindowAndSchedulesNoScan() {
        SourceWindows<Long> w = windows(Duration.ZERO);
        event(w, "cam", 0, 1);
        assertEquals(1L, w.get("cam", WALL_CLOCK));
        assertTrue(context.scheduledPunctuators().isEmpty());
    }
}
