package dev.flowwatch.streams.demo;

import dev.flowwatch.flowpp.score.ScoreKind;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.StringJoiner;

/**
 * Renders a {@link DemoStats.Snapshot} as the few lines the demo prints every couple of seconds,
 * with a warning while the backlog keeps growing; call {@link #render} once per interval.
 */
final class LiveSummary {

    private final String metricsUrl;
    private final int batchMaxSize;
    private final double threshold;
    private final ScoreKind kind;
    private final BacklogTrend backlog = new BacklogTrend();

    /**
     * @param threshold the app's anomaly threshold in the units of {@code kind}, shown next to the
     *     mean score of each kind of traffic
     */
    LiveSummary(String metricsUrl, int batchMaxSize, double threshold, ScoreKind kind) {
        this.metricsUrl = metricsUrl;
        this.batchMaxSize = batchMaxSize;
        this.threshold = threshold;
        this.kind = kind;
    }

    String render(DemoStats.Snapshot s, OptionalDouble meanBatchSize, double elapsedSeconds) {
        long deadLetters = s.deadLetters().values().stream().mapToLong(Long::longValue).sum();
        // every record sent ends as a score or a dead letter; what is neither is still on its way
        long pending = s.sent() - s.scored() - deadLetters;
        StringBuilder out = new StringBuilder();
        out.append(
                String.format(
                        Locale.ROOT,
                        "[%6.1fs] in %6.1f ev/s  scored %6.1f ev/s  backlog %d  "
                                + "(sent %d, scored %d, DLQ %d)%n",
                        elapsedSeconds,
                        s.sentPerSecond(),
                        s.scoredPerSecond(),
                        pending,
                        s.sent(),
                        s.scored(),
                        deadLetters));
        int growing = backlog.observe(pending);
        if (growing > BacklogTrend.FEW) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "  WARNING   the backlog has grown %d intervals in a row: %.1f ev/s in,"
                                    + " %.1f ev/s scored, so latencies keep rising; replay slower"
                                    + " with --rate%n",
                            growing,
                            s.sentPerSecond(),
                            s.scoredPerSecond()));
        }
        out.append(
                String.format(
                        Locale.ROOT,
                        "  batch fill %s   latency p50/p99 %s (interval), %s (overall)%n",
                        meanBatchSize.isPresent()
                                ? String.format(
                                        Locale.ROOT,
                                        "%.1f/%d (%.0f%%)",
                                        meanBatchSize.getAsDouble(),
                                        batchMaxSize,
                                        100 * meanBatchSize.getAsDouble() / batchMaxSize)
                                : "n/a",
                        latency(s.latencyP50Millis(), s.latencyP99Millis()),
                        latency(s.overallP50Millis(), s.overallP99Millis())));
        out.append("  detected  ").append(detections(s.detections())).append('\n');
        out.append("  normal    ").append(falseAlarms(s.detections())).append('\n');
        out.append("  DLQ       ").append(deadLetters(s.deadLetters())).append('\n');
        out.append("  alerts    ").append(s.alerts()).append(" total");
        for (DemoStats.AlertLine a : s.recentAlerts()) {
            out.append(
                    String.format(
                            Locale.ROOT,
                            "%n            %-32s %s score %.3f > %.3f%s",
                            a.eventId(),
                            a.injected()
                                    ? "injected " + a.kind()
                                    : "NOT injected (" + a.kind() + ")",
                            a.score(),
                            a.threshold(),
                            a.part() == null ? "" : " (" + a.part() + ")"));
        }
        out.append('\n').append("  metrics   ").append(metricsUrl).append('\n');
        return out.toString();
    }

    /**
     * What the final figures mean for the injected kinds the model cannot flag: those whose mean
     * score is below the threshold. Empty when there are none.
     */
    String limits(DemoStats.Snapshot s) {
        List<String> below =
                s.detections().entrySet().stream()
                        .filter(e -> e.getKey().category() == TrafficKind.Category.ANOMALY)
                        .filter(e -> e.getValue().meanScore() < threshold)
                        .map(e -> e.getKey().label())
                        .toList();
        if (below.isEmpty()) {
            return "";
        }
        if (kind != ScoreKind.BPD) {
            return String.format(
                    Locale.ROOT,
                    "note: %s score below the %s threshold of %.3f on average: this score does not"
                            + " separate them from normal images (README, \"Anomaly scores and"
                            + " calibration\", says what each score catches).%n",
                    String.join(", ", below),
                    kind.id(),
                    threshold);
        }
        return String.format(
                Locale.ROOT,
                "note: %s score below the threshold of %.3f bits/dim on average: the model finds"
                    + " them at least as likely as normal images (simpler images get lower"
                    + " bits/dim), so raw likelihood does not flag them. That is a known limit of"
                    + " likelihood-based out-of-distribution detection, not a fault of the"
                    + " pipeline.%n",
                String.join(", ", below),
                threshold);
    }

    /** Per injected kind "alerted/scored (mean score)". */
    static String detections(Map<TrafficKind, DemoStats.Detection> byKind) {
        StringJoiner line = new StringJoiner(", ");
        for (TrafficKind kind : TrafficKind.values()) {
            if (kind.category() == TrafficKind.Category.ANOMALY) {
                line.add(kind.label() + " " + tally(byKind.get(kind)));
            }
        }
        return line + "   alerted/scored (mean score)";
    }

    private String falseAlarms(Map<TrafficKind, DemoStats.Detection> byKind) {
        return String.format(
                Locale.ROOT,
                "%s false alarms; threshold %.3f (" + kind.id() + ")",
                tally(byKind.get(TrafficKind.NORMAL)),
                threshold);
    }

    private static String tally(DemoStats.Detection d) {
        if (d == null) {
            return "0/0";
        }
        return String.format(Locale.ROOT, "%d/%d (%.2f)", d.flagged(), d.scored(), d.meanScore());
    }

    private static String deadLetters(Map<String, Long> byReason) {
        if (byReason.isEmpty()) {
            return "none";
        }
        StringJoiner line = new StringJoiner(", ");
        byReason.forEach((reason, count) -> line.add(reason + " " + count));
        return line.toString();
    }

    private static String latency(long p50, long p99) {
        return p50 < 0 ? "n/a" : p50 + "/" + p99 + " ms";
    }
}
