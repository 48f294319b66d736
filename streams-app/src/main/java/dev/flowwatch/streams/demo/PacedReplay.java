package dev.flowwatch.streams.demo;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Sends demo traffic at a steady rate on its own thread until closed. Sends are scheduled against a
 * fixed start, so a slow send is caught up rather than lowering the average rate.
 */
public final class PacedReplay implements AutoCloseable {

    private final DemoTraffic traffic;
    private final TrafficProducer producer;
    private final double eventsPerSecond;
    private final Consumer<DemoRecord> onSent;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param onSent told of every record handed to the producer
     */
    public PacedReplay(
            DemoTraffic traffic,
            TrafficProducer producer,
            double eventsPerSecond,
            Consumer<DemoRecord> onSent) {
        if (!(eventsPerSecond > 0)) {
            throw new IllegalArgumentException("rate must be > 0 events/s, got " + eventsPerSecond);
        }
        this.traffic = traffic;
        this.producer = producer;
        this.eventsPerSecond = eventsPerSecond;
        this.onSent = onSent;
        this.thread = new Thread(this::run, "flowwatch-demo-replay");
        this.thread.setDaemon(true);
    }

    public PacedReplay start() {
        thread.start();
        return this;
    }

    private void run() {
        long start = System.nanoTime();
        long sent = 0;
        while (running) {
            long due = start + (long) (sent * TimeUnit.SECONDS.toNanos(1) / eventsPerSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            DemoRecord record = traffic.next();
            producer.send(record);
            onSent.accept(record);
            sent++;
        }
    }

    /** Stops sending and flushes what was sent; the producer stays open for its owner to close. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(10));
        producer.flush();
    }
}
