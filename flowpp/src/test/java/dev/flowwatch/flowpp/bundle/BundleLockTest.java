package dev.flowwatch.flowpp.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

class BundleLockTest {

    @TempDir Path dir;

    /**
     * A second writer while the first holds the bundle fails at once, naming the lock; once the
     * first is done, it writes.
     */
    @Test
    void aSecondWriterFailsWhileTheFirstHoldsTheBundle() throws Exception {
        Path bundle = dir.resolve("model");
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread first = holdInAnotherThread(bundle, release, failure);

        BundleException e =
                assertThrows(
                        BundleException.class,
                        () -> BundleLock.holding(bundle, false, () -> "second"));
        assertTrue(e.getMessage().contains(".model.lock"), e.getMessage());

        release.countDown();
        first.join();
        assertEquals(null, failure.get());
        assertEquals("second", BundleLock.holding(bundle, false, () -> "second"));
    }

    /** A training run's checkpoint waits for a calibration being written instead of failing. */
    @Test
    void aWaitingWriterWritesOnceTheFirstIsDone() throws Exception {
        Path bundle = dir.resolve("model");
        CountDownLatch release = new CountDownLatch(1);
        holdInAnotherThread(bundle, release, new AtomicReference<>());
        AtomicReference<String> written = new AtomicReference<>();
        Thread waiting =
                new Thread(() -> written.set(BundleLock.holding(bundle, true, () -> "checkpoint")));
        waiting.start();
        waiting.join(300);
        assertTrue(waiting.isAlive(), "it waits");

        release.countDown();
        waiting.join(10_000);
        assertEquals("checkpoint", written.get());
    }

    /**
     * A writer holding the bundle in a thread of its own until {@code release}, once it holds it;
     * what it throws goes to {@code failure}.
     */
    private static Thread holdInAnotherThread(
            Path bundle, CountDownLatch release, AtomicReference<Throwable> failure)
            throws InterruptedException {
        CountDownLatch holding = new CountDownLatch(1);
        Thread first =
                new Thread(
                        () -> {
                            try {
                                BundleLock.holding(
                                        bundle,
                                        false,
                                        () -> {
                                            holding.countDown();
                                            await(release);
                                            return null;
                                        });
                            } catch (Throwable t) {
                                failure.set(t);
                            }
                        });
        first.start();
        assertTrue(holding.await(10, TimeUnit.SECONDS));
        return first;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
