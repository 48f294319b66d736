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
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread first =
                new Thread(
                        () -> {
                            try {
                                BundleLock.holding(
                                        bundle,
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

        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> BundleLock.holding(bundle, () -> "second"));
        assertTrue(e.getMessage().contains(".model.lock"), e.getMessage());

        release.countDown();
        first.join();
        assertEquals(null, failure.get());
        assertEquals("second", BundleLock.holding(bundle, () -> "second"));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
