package dev.flowwatch.trainer;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Progress bars in one look, on stderr so that stdout stays clean for results such as JSON; a line
 * every 30 s where there is no terminal ({@link LogLineConsumer}).
 */
final class ProgressBars {

    /** How often a bar writes a line where the output is no terminal (a job's log). */
    private static final Duration LOG_LINE_INTERVAL = Duration.ofSeconds(30);

    private ProgressBars() {}

    /** A bar of steps from {@code start} towards a maximum set later with {@code maxHint}. */
    static ProgressBar steps(String task, long start) {
        return common(task, -1, "steps").startsFrom(start, Duration.ZERO).build();
    }

    /** A bar over images that also shows images per second. */
    static ProgressBar images(String task, int count) {
        return common(task, count, "img").showSpeed().build();
    }

    // ASCII, because the logs of batch jobs and containers are often not UTF-8
    private static ProgressBarBuilder common(String task, long max, String unit) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(
                        stderrIsTerminal()
                                ? new ConsoleProgressBarConsumer(System.err)
                                : new LogLineConsumer(
                                        System.err, LOG_LINE_INTERVAL, System::nanoTime))
                .setUpdateIntervalMillis(500);
    }

    /**
     * Whether the bars' stream, stderr, is a terminal: on Linux where its descriptor points (the
     * JVM's console tells about stdin and stdout only), elsewhere whether the JVM has a console.
     */
    static boolean stderrIsTerminal() {
        try {
            return isTerminal(Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return System.console() != null;
        }
    }

    /** Whether a descriptor's target is a terminal device: "/dev/pts/3" is, "pipe:[7]" not. */
    static boolean isTerminal(String target) {
        return target.startsWith("/dev/pts/")
                || target.startsWith("/dev/tty")
                || target.equals("/dev/console");
    }
}
