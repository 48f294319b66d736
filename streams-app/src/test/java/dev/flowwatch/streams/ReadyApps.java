package dev.flowwatch.streams;

import java.time.Duration;

/** Waiting for a started app in tests. */
public final class ReadyApps {

    private ReadyApps() {}

    /**
     * Returns once {@code app} is ready; closes it and fails with its state if it is not within
     * {@code timeout}.
     */
    public static void awaitReady(FlowwatchApp app, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!app.isReady()) {
            if (System.nanoTime() > deadline) {
                app.close();
                throw new AssertionError("app not ready: " + app.state());
            }
            Thread.sleep(50);
        }
    }
}
