package dev.flowwatch.streams.demo;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.StringJoiner;

/** Renders a {@link DemoStats.Snapshot} as the few lines the demo prints every couple of seconds. */
final class LiveSummary {

    private final String metricsUrl;
    private final int batchMaxSize;

    LiveSummary(String metricsUrl, int batchMaxSize) {
        this.metricsUrl = metricsUrl;
        this.batchMaxSize = batchMaxSize;
    }

    String render(DemoStats.Snapshot s, OptionalDouble meanBatchSize, double elapsedSeconds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "[%6.1fs] in %6.1f ev/s  scored %6.1f ev/s  (sent %d, scored %d)%n",
                elapsedSeconds, s.sentPerSecond(), s.scoredPerSecond(), s.sent(), s.scored()));
        out.append(String.format(Locale.ROOT, "  batch fill %s   latency p50/p99 %s (interval), %s (overall)%n",
                meanBatchSize.isPresent()
                        ? String.format(Locale.ROOT, "%.1f/%d (%.0f%%)", meanBatchSize.getAsDouble(), batchMaxSize,
                                100 * meanBatchSize.getAsDouble() / batchMaxSize)
                        : "n/a",
                latency(s.latencyP50Millis(), s.latencyP99Millis()),
                latency(s.overallP50Millis(), s.overallP99Millis())));
        out.append("  detected  ").append(detections(s.detections())).append('\n');
        out.append("  DLQ       ").append(s.deadLetters().isEmpty() ? "none" : s.deadLetters().toString()).append('\n');
        out.append("  alerts    ").append(s.alerts()).append(" total");
        for (DemoStats.AlertLine a : s.recentAlerts()) {
            out.append(String.format(Locale.ROOT, "%n            %-32s %s score %.3f > %.3f", a.eventId(),
                    a.injected() ? "injected " + a.kind() : "NOT injected (" + a.kind() + ")", a.score(),
                    a.threshold()));
        }
        out.append('\n').append("  metrics   ").append(metricsUrl).append('\n');
        return out.toString();
    }

    /** Per kind "alerted/scored", anomalies first, then normal traffic (its false alarms). */
    static String detections(Map<TrafficKind, DemoStats.Detection> byKind) {
        StringJoiner line = new StringJoiner(", ");
        for (TrafficKind kind : TrafficKind.values()) {
            DemoStats.Detection d = byKind.get(kind);
            if (kind.category() == TrafficKind.Category.ANOMALY) {
                line.add(String.format(Locale.ROOT, "%s %d/%d", kind.label(), d == null ? 0 : d.flagged(),
                        d == null ? 0 : d.scored()));
            }
        }
        DemoStats.Detection normal = byKind.get(TrafficKind.NORMAL);
        line.add(String.format(Locale.ROOT, "normal (false alarms) %d/%d", normal == null ? 0 : normal.flagged(),
                normal == null ? 0 : normal.scored()));
        return line + " alerted";
    }

    private static String latency(long p50, long p99) {
        return p50 < 0 ? "n/a" : p50 + "/" + p99 + " ms";
    }
}
