package dev.flowwatch.flowpp.nn;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * What a busy JVM does at moments a test cannot choose, made to happen now: collect garbage, let
 * the cleaners free the native memory of unreachable direct buffers, and hand that memory out again
 * filled with NaN. Native code still reading such memory then reads the allocator's bookkeeping or
 * NaN instead of what it left there.
 */
public final class GarbageCollections {

    private static final BufferPoolMXBean DIRECT =
            ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(pool -> pool.getName().equals("direct"))
                    .findFirst()
                    .orElseThrow();

    /** Direct buffers kept alive so that the memory they took over is not freed again at once. */
    private static final Deque<ByteBuffer> REUSED = new ArrayDeque<>();

    private static final int BUFFERS_PER_COLLECTION = 256;

    private GarbageCollections() {}

    /** One collection, after which the freed direct memory holds NaN. */
    public static synchronized void collectAndReuseFreedMemory() {
        long before = DIRECT.getCount();
        System.gc();
        try {
            awaitCleaners(before);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (int i = 0; i < BUFFERS_PER_COLLECTION; i++) {
            // 8 and 16 bytes: the sizes of the 0-dim float64/int64 scalars DJL allocates
            ByteBuffer b = ByteBuffer.allocateDirect(i % 2 == 0 ? 8 : 16);
            b.order(ByteOrder.nativeOrder());
            while (b.remaining() >= 8) {
                b.putDouble(Double.NaN);
            }
            REUSED.addLast(b);
        }
        while (REUSED.size() > 16 * BUFFERS_PER_COLLECTION) {
            REUSED.removeFirst();
        }
    }

    /**
     * The cleaners that free direct memory run on their own thread after the collection, later the
     * busier the machine: waits until the JVM's count of direct buffers has fallen below {@code
     * before} and then held still, or a few seconds.
     */
    private static void awaitCleaners(long before) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        long last = Long.MAX_VALUE;
        while (System.nanoTime() < deadline) {
            long now = DIRECT.getCount();
            if (now < before && now == last) {
                return;
            }
            last = now;
            Thread.sleep(20);
        }
    }

    /** Runs {@code work} while another thread collects garbage over and over. */
    public static <T> T during(Supplier<T> work) {
        Thread collector =
                new Thread(
                        () -> {
                            while (!Thread.currentThread().isInterrupted()) {
                                collectAndReuseFreedMemory();
                            }
                        },
                        "garbage-collections");
        collector.setDaemon(true);
        collector.start();
        try {
            return work.get();
        } finally {
            collector.interrupt();
            try {
                collector.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
