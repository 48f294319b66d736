package dev.flowwatch.streams.demo;

import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the demo has seen so far: events sent, scores and alerts received, dead letters, latencies.
 * Written by the replay and the output monitor, read by the summary; all access is synchronized.
 */
public final class DemoStats {

    private static final int RECENT_ALERTS = 5;
    private static final int LATENCY_CEILING_MS = 120_000;

    /**
     * How many scored events of a kind the model flagged, and the sum of their scores (bits/dim).
     */
    public record Detection(long scored, long flagged, double scoreSum) {

        /** Mean score in bits/dim; NaN before the first score. */
        public double meanScore() {
            return scored == 0 ? Double.NaN : scoreSum / scored;
        }
    }

    /**
     * One alert as the summary shows it.
     *
     * @param part the part of a dose score that made it, null for other kinds
     */
    public record AlertLine(
            String eventId,
            String kind,
            boolean injected,
            double score,
            double threshold,
            String part) {}

    /**
     * The state at one moment, with the rates and latencies of the interval since the previous one.
     *
     * @param intervalSeconds length of that interval
     * @param latencyP50Millis -1 when nothing was scored in the interval
     */
    public record Snapshot(
            double intervalSeconds,
            long sentInInterval,
            long scoredInInterval,
            long latencyP50Millis,
            long latencyP99Millis,
            long sent,
            long scored,
            long overallP50Millis,
            long overallP99Millis,
            Map<TrafficKind, Detection> detections,
            Map<String, Long> deadLetters,
            long alerts,
            List<AlertLine> recentAlerts) {

        public double sentPerSecond() {
            return intervalSeconds > 0 ? sentInInterval / intervalSeconds : 0;
        }

        public double scoredPerSecond() {
            return intervalSeconds > 0 ? scoredInInterval / intervalSeconds : 0;
        }
    }

    private final LatencyHistogram intervalLatency = new LatencyHistogram(LATENCY_CEILING_MS);
    private final LatencyHistogram overallLatency = new LatencyHistogram(LATENCY_CEILING_MS);
    private final Map<TrafficKind, Detection> detections = new EnumMap<>(TrafficKind.class);
    private final Map<String, Long> deadLetters = new TreeMap<>();
    private final Deque<AlertLine> recentAlerts = new ArrayDeque<>();
    private long sent;
    private long scored;
    private long alerts;
    private long sentAtLastSnapshot;
    private long scoredAtLastSnapshot;
    private long lastSnapshotNanos = System.nanoTime();

    public synchronized void onSent(DemoRecord record) {
        sent++;
    }

    /**
     * A score arrived at {@code receivedMillis} (epoch ms); its latency counts from the event time.
     */
    public synchronized void onScore(AnomalyScore score, long receivedMillis) {
        scored++;
        long latency = receivedMillis - score.getEventTime().toEpochMilli();
        intervalLatency.record(latency);
        overallLatency.record(latency);
        TrafficKind.ofEventId(score.getEventId())
                .ifPresent(
                        kind ->
                                detections.merge(
                                        kind,
                                        new Detection(
                                                1, score.getIsAnomaly() ? 1 : 0, score.getScore()),
                                        (a, b) ->
                                                new Detection(
                                                        a.scored() + b.scored(),
                                                        a.flagged() + b.flagged(),
                                                        a.scoreSum() + b.scoreSum())));
    }

    public synchronized void onAlert(AnomalyAlert alert) {
        alerts++;
        var kind = TrafficKind.ofEventId(alert.getEventId());
        recentAlerts.addFirst(
                new AlertLine(
                        alert.getEventId(),
                        kind.map(TrafficKind::label).orElse("unknown"),
                        kind.map(k -> k.category() == TrafficKind.Category.ANOMALY).orElse(false),
                        alert.getScore(),
                        alert.getThreshold(),
                        alert.getScorePart()));
        while (recentAlerts.size() > RECENT_ALERTS) {
            recentAlerts.removeLast();
        }
    }

    public synchronized void onDeadLetter(String reason) {
        deadLetters.merge(reason, 1L, Long::sum);
    }

    /** The current state; starts a new interval. */
    public synchronized Snapshot snapshot() {
        long now = System.nanoTime();
        Map<TrafficKind, Detection> byKind = new EnumMap<>(detections);
        Snapshot s =
                new Snapshot(
                        (now - lastSnapshotNanos) / 1e9,
                        sent - sentAtLastSnapshot,
                        scored - scoredAtLastSnapshot,
                        intervalLatency.percentile(0.5),
                        intervalLatency.percentile(0.99),
                        sent,
                        scored,
                        overallLatency.percentile(0.5),
                        overallLatency.percentile(0.99),
                        byKind,
                        new TreeMap<>(deadLetters),
                        alerts,
                        List.copyOf(recentAlerts));
        intervalLatency.reset();
        sentAtLastSnapshot = sent;
        scoredAtLastSnapshot = scored;
        lastSnapshotNanos = now;
        return s;
    }
}
