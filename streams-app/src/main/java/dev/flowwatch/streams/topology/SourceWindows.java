package dev.flowwatch.streams.topology;

import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The windows of a per-source step ({@link AlertProcessor}'s rule, {@link TypicalityProcessor}):
 * one value per source in a persistent, changelogged store, stamped with the task's clock when the
 * source last sent an event. A source idle for longer than the expiry ({@code
 * source.window.expiry.minutes}) is forgotten, so that sources which come and go (an id per
 * session, devices replaced) cannot grow the store and its changelog for ever.
 *
 * <p>The clock is event time: the latest timestamp of the records scored by the task, held back to
 * the wall clock, and moving with the wall clock while the task gets no records (else a partition
 * whose sources all left would keep their windows for ever). Event time, because a backlog scored
 * after an outage must find the windows as they were when its events were written; held back,
 * because one record stamped in the future would otherwise expire every window of the task. Each
 * stamp is the clock rather than the source's own timestamp, so a source sending old timestamps
 * loses nothing either. The clock starts with the first record a task scores: after a restart
 * nothing expires before then.
 *
 * <p>A window without a stamp (kept on disk by a version that stamped none: RocksDB reads it back
 * with -1) or stamped after the wall clock (restored from such a version's changelog, which logged
 * the records' own times) counts as stamped when the task scored its first record: it expires one
 * expiry later unless its source comes back.
 */
final class SourceWindows<V> {

    private static final Duration LONGEST_SCAN_INTERVAL = Duration.ofMinutes(10);

    private final String name;
    private final long expiryMs;
    private final FlowwatchMetrics metrics;

    private ProcessorContext<?, ?> context;
    private TimestampedKeyValueStore<String, V> store;
    private long clock = -1;
    private long wallAtClock;
    private long firstClock = -1;

    /**
     * @param expiry how long a source may stay idle before its window is dropped; zero keeps
     *     windows until their step deletes them
     */
    SourceWindows(String name, Duration expiry, FlowwatchMetrics metrics) {
        if (expiry.isNegative()) {
            throw new IllegalArgumentException("a negative expiry: " + expiry);
        }
        this.name = name;
        this.expiryMs = expiry.toMillis();
        this.metrics = metrics;
    }

    /** The store of the windows named {@code name}, persistent and changelogged. */
    static <V> StoreBuilder<TimestampedKeyValueStore<String, V>> store(
            String name, Serde<V> serde) {
        return Stores.timestampedKeyValueStoreBuilder(
                Stores.persistentTimestampedKeyValueStore(name), Serdes.String(), serde);
    }

    /** Opens the store and, with an expiry, schedules the scans that drop idle sources' windows. */
    void init(ProcessorContext<?, ?> context) {
        this.context = context;
        this.store = context.getStateStore(name);
        if (expiryMs > 0) {
            Duration interval = Duration.ofMillis(Math.max(1, expiryMs / 4));
            context.schedule(
                    interval.compareTo(LONGEST_SCAN_INTERVAL) < 0
                            ? interval
                            : LONGEST_SCAN_INTERVAL,
                    PunctuationType.WALL_CLOCK_TIME,
                    now -> expireIdle());
        }
    }

    /**
     * The window of {@code source}, null when it has none or has been idle past the expiry; {@code
     * timestamp}, the record's, advances the clock first.
     */
    V get(String source, long timestamp) {
        long now = context.currentSystemTimeMs();
        clock = Math.max(clock, Math.min(timestamp, now));
        wallAtClock = now;
        if (firstClock < 0) {
            firstClock = clock;
        }
        ValueAndTimestamp<V> window = store.get(source);
        return window == null || expired(window.timestamp(), now) ? null : window.value();
    }

    /** Keeps {@code window} as the source's, stamped with the clock. */
    void put(String source, V window) {
        store.put(source, ValueAndTimestamp.make(window, clock));
    }

    void delete(String source) {
        store.delete(source);
    }

    private boolean expired(long stamp, long now) {
        long since = stamp < 0 || stamp > now ? firstClock : stamp;
        return expiryMs > 0 && clock - since > expiryMs;
    }

    /**
     * Drops the windows idle past the expiry, the clock first moved on by the wall-clock time that
     * passed without records. Holds only the keys to drop, never the windows.
     */
    private void expireIdle() {
        if (clock < 0) {
            return;
        }
        long now = context.currentSystemTimeMs();
        clock += Math.max(0, now - wallAtClock);
        wallAtClock = now;
        List<String> idle = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<V>> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, ValueAndTimestamp<V>> e = all.next();
                if (expired(e.value.timestamp(), now)) {
                    idle.add(e.key);
                }
            }
        }
        idle.forEach(store::delete);
        metrics.sourceWindowsExpired(name, idle.size());
    }
}
