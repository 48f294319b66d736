package dev.flowwatch.streams.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.score.ScoreKind;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

class LiveSummaryTest {

    private static final LiveSummary SUMMARY =
            new LiveSummary("http://localhost:9400/metrics", 64, 5.0, ScoreKind.BPD);

    private static DemoStats.Snapshot snapshot() {
        return new DemoStats.Snapshot(
                2.0,
                200,
                190,
                120,
                300,
                1000,
                940,
                110,
                280,
                Map.of(
                        TrafficKind.NORMAL,
                        new DemoStats.Detection(900, 9, 900 * 3.1),
                        TrafficKind.NOISE,
                        new DemoStats.Detection(20, 20, 20 * 8.8),
                        TrafficKind.MNIST,
                        new DemoStats.Detection(20, 0, 20 * 1.9)),
                new TreeMap<>(Map.of("WRONG_SHAPE", 6L, "MALFORMED_MESSAGE", 4L)),
                29,
                List.of(
                        new DemoStats.AlertLine(
                                "anomaly-noise-00001#7", "noise", true, 8.8, 5.0, "density"),
                        new DemoStats.AlertLine(
                                "fmnist-00002#8", "fmnist", false, 5.5, 5.0, null)));
    }

    @Test
    void summaryShowsBacklogDetectionsWithMeanScoresAndDeadLettersByReason() {
        String text = SUMMARY.render(snapshot(), OptionalDouble.of(48), 12.0);

        assertTrue(text.contains("backlog 50  (sent 1000, scored 940, DLQ 10)"), text);
        assertTrue(text.contains("batch fill 48.0/64 (75%)"), text);
        assertTrue(
                text.contains("latency p50/p99 120/300 ms (interval), 110/280 ms (overall)"), text);
        assertTrue(text.contains("mnist 0/20 (1.90), noise 20/20 (8.80), inverted 0/0"), text);
        assertTrue(text.contains("9/900 (3.10) false alarms; threshold 5.000 (bpd)"), text);
        assertTrue(text.contains("DLQ       MALFORMED_MESSAGE 4, WRONG_SHAPE 6"), text);
        assertTrue(
                text.contains("anomaly-noise-00001#7")
                        && text.contains("injected noise score 8.800 > 5.000 (density)"),
                text);
        // an alert of a kind without parts names none
        assertTrue(text.contains("NOT injected (fmnist) score 5.500 > 5.000\n"), text);
        assertTrue(text.contains("http://localhost:9400/metrics"), text);
    }

    @Test
    void limitsNameOnlyTheInjectedKindsScoredBelowTheThreshold() {
        String note = SUMMARY.limits(snapshot());

        assertTrue(note.startsWith("note: mnist score below the threshold"), note);
        assertTrue(note.contains("raw likelihood"), note);
        String complexity =
                new LiveSummary("http://localhost:9400/metrics", 64, 5.0, ScoreKind.COMPLEXITY)
                        .limits(snapshot());
        assertTrue(
                complexity.startsWith("note: mnist score below the complexity threshold"),
                complexity);
        assertEquals(
                "",
                SUMMARY.limits(
                        new DemoStats.Snapshot(
                                2.0,
                                0,
                                0,
                                -1,
                                -1,
                                0,
                                0,
                                -1,
                                -1,
                                Map.of(TrafficKind.NOISE, new DemoStats.Detection(3, 3, 27)),
                                Map.of(),
                                3,
                                List.of())));
    }

    private static DemoStats.Snapshot backlogOf(long sent, long scored) {
        return new DemoStats.Snapshot(
                2.0, 200, 150, 100, 200, sent, scored, 100, 200, Map.of(), Map.of(), 0, List.of());
    }

    @Test
    void warnsWhenTheBacklogHasGrownForMoreThanAFewIntervalsInARow() {
        LiveSummary summary =
                new LiveSummary("http://localhost:9400/metrics", 64, 5.0, ScoreKind.BPD);
        for (int interval = 0; interval <= BacklogTrend.FEW; interval++) {
            String text =
                    summary.render(
                            backlogOf(400L * (interval + 1), 300L * (interval + 1)),
                            OptionalDouble.empty(),
                            2.0 * interval);
            assertFalse(text.contains("WARNING"), "interval " + interval + ": " + text);
        }
        String text = summary.render(backlogOf(2000, 1500), OptionalDouble.empty(), 10.0);
        assertTrue(
                text.contains(
                        "WARNING   the backlog has grown 4 intervals in a row: 100.0 ev/s in, 75.0"
                                + " ev/s scored, so latencies keep rising; replay slower with"
                                + " --rate"),
                text);
    }
}
