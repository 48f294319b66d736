package dev.flowwatch.streams.bench;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Reads an output topic (scores, dead letters) as a downstream consumer of an exactly-once app
 * (committed records only) on a thread of its own: how often each event came out, and when each
 * output arrived.
 */
final class OutputWatcher {

    private final Map<String, Integer> seen = new ConcurrentHashMap<>();
    private final List<Long> arrivals = new ArrayList<>();
    private final AtomicLong total = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private final Duration timeout;

    /**
     * @param idOf the event id an output record is about
     * @param timeout how long the awaits wait for progress before they give up
     */
    OutputWatcher(
            String bootstrap,
            String topic,
            Function<ConsumerRecord<byte[], byte[]>, String> idOf,
            Duration timeout) {
        this.timeout = timeout;
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        Map.<String, Object>of(
                                "bootstrap.servers",
                                bootstrap,
                                "group.id",
                                "output-watcher-" + UUID.randomUUID(),
                                "auto.offset.reset",
                                "earliest",
                                "enable.auto.commit",
                                false,
                                "isolation.level",
                                "read_committed"),
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
                                        seen.merge(idOf.apply(r), 1, Integer::sum);
                                        synchronized (arrivals) {
                                            arrivals.add(System.nanoTime());
                                        }
                                        total.incrementAndGet();
                                    }
                                }
                            }
                        },
                        "output-watcher");
        thread.start();
    }

    long total() {
        return total.get();
    }

    /** Waits for output number {@code count + 1}; returns when it arrived (nanoTime). */
    long awaitMoreThan(long count, AppChild app) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (total() <= count) {
            app.requireAlive();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "nothing committed for " + timeout + "; see " + app.log());
            }
            Thread.sleep(20);
        }
        synchronized (arrivals) {
            return arrivals.get((int) count);
        }
    }

    /**
     * Waits until {@code count} distinct events came out, or nothing came for the timeout: a drain
     * of a long backlog takes as long as it takes while it goes on.
     */
    void awaitDistinct(long count, AppChild app) throws InterruptedException {
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
