package dev.flowwatch.streams.engine;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The forward passes running now and when each started, so that a pass that never ends (a device or
 * a native call that hangs) shows: the stream thread waiting on it neither fails nor polls, and
 * Kafka Streams stays RUNNING.
 */
final class PassesInFlight {

    private final AtomicLong passes = new AtomicLong();
    private final Map<Long, Long> started = new ConcurrentHashMap<>();

    /** A pass starts now; returns its token for {@link #end}. */
    long start() {
        long pass = passes.incrementAndGet();
        started.put(pass, System.nanoTime());
        return pass;
    }

    void end(long pass) {
        started.remove(pass);
    }

    /** How long the oldest pass running has run; zero when none runs. */
    Duration longest() {
        long now = System.nanoTime();
        return started.values().stream()
                .map(start -> Duration.ofNanos(now - start))
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }
}
