package dev.flowwatch.trainer;

import me.tongfei.progressbar.ProgressBarConsumer;

import java.io.PrintStream;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A progress bar for output that is not a terminal (a batch job's or a container's log): the bar as
 * a line of its own at most once per interval, and the last state when it closes, instead of a
 * frame every half second joined by carriage returns into one endless line.
 */
final class LogLineConsumer implements ProgressBarConsumer {

    private final PrintStream out;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private long printedAt;
    private boolean printedAny;
    private String latest;

    LogLineConsumer(PrintStream out, Duration interval, LongSupplier nanoTime) {
        this.out = out;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    @Override
    public int getMaxRenderedLength() {
        return 120;
    }

    @Override
    public void accept(String rendered) {
        latest = rendered;
        long now = nanoTime.getAsLong();
        if (!printedAny || now - printedAt >= intervalNanos) {
            print(now);
        }
    }

    @Override
    public void close() {
        if (latest != null) {
            print(nanoTime.getAsLong());
        }
    }

    private void print(long now) {
        out.println(latest.strip());
        out.flush();
        latest = null;
        printedAt = now;
        printedAny = true;
    }
}
