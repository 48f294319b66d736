package dev.flowwatch.streams.bench;

import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.FlowwatchSerdes;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads the scores topic as a downstream consumer of an exactly-once app (committed records only)
 * on a thread of its own: how often each event was scored, and when each score arrived.
 */
final class ScoreWatcher {

    private final Map<String, Integer> seen = new ConcurrentHashMap<>();
    private final List<Long> arrivals = new ArrayList<>();
    private final AtomicLong total = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private final Duration timeout;

    /**
     * @param timeout how long the awaits wait for progress before they give up
     */
    ScoreWatcher(String bootstrap, String topic, Duration timeout) {
        this.timeout = timeout;
        Deserializer<AnomalyScore> scores =
                FlowwatchSerdes.anomalyScore().deserializer();
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        Map.<String, Object>of(
                                "bootstrap.servers", bootstrap,
                                "group.id", "chaos-watcher-" + UUID.randomUUID(),
                                "auto.offset.reset", "earliest",
                                "enable.auto.commit", false,
                                "isolation.level", "read_committed"),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        thread =
                new Thread(
                        () -> {
                            try (consumer) {
                                while (running.get()) {
                                    for (ConsumerRecord<byte[], byte[]> r :
                                            consumer.poll(Duration.ofMillis(100))) {
                                        String id =
                                                scores.deserialize(topic, r.value())
                                                        .getEventId()
                                                        .toString();
                                        seen.merge(id, 1, Integer::sum);
                                        synchronized (arrivals) {
                                            arrivals.add(System.nanoTime());
                                        }
                                        total.incrementAndGet();
                                    }
                                }
                            }
                        },
                        "chaos-watcher");
        thread.start();
    }

    long total() {
        return total.get();
    }

    /** Waits for score number {@code count + 1}; returns when it arrived (nanoTime). */
    long awaitMoreThan(long count, ChaosChild app) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (total() <= count) {
            app.requireAlive();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "no score committed for " + timeout + "; see " + app.log());
            }
            Thread.sleep(20);
        }
        synchronized (arrivals) {
            return arrivals.get((int) count);
        }
    }

    /**
     * Waits until {@code count} distinct events were scored, or no score came for the timeout:
     * a drain of a long backlog takes as long as it takes while it goes on.
     */
    void awaitDistinct(long count, ChaosChild app) throws InterruptedException {
        long lastTotal = total();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (seen.size() < count && System.nanoTime() < deadline) {
            app.requireAlive();
            Thread.sleep(100);
            if (total() > lastTotal) {
                lastTotal = total();
                deadline = System.nanoTime() + timeout.toNanos();
            }
        }
    }

    long distinctOf(Iterable<String> ids) {
        long n = 0;
        for (String id : ids) {
            if (seen.containsKey(id)) {
                n++;
            }
        }
        return n;
    }

    long duplicatedKeys() {
        return seen.values().stream().filter(c -> c > 1).count();
    }

    void close() throws InterruptedException {
        running.set(false);
        thread.join();
    }
}
