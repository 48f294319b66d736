package dev.flowwatch.streams.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flowwatch.schemas.Severity;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

class FlowwatchMetricsTest {

    @Test
    void doseAlertsAreCountedByEveryKnownPartFromZeroAndNoOther() {
        PrometheusRegistry registry = new PrometheusRegistry();
        FlowwatchMetrics metrics = new FlowwatchMetrics(registry);
        metrics.alertOfPart("blend");
        metrics.alertOfPart("blend");
        metrics.alertOfPart("shape");
        metrics.alertOfPart("no-such-part");

        assertEquals(
                Map.of(
                        "density", 0.0,
                        "shape", 1.0,
                        "blend", 2.0,
                        "outline", 0.0,
                        "orientation", 0.0),
                counts(registry, "flowwatch_alerts_by_part", "part"));
    }

    @Test
    void alertsBySourceKeepTheFirstSourcesAndCountTheRestAsOther() {
        PrometheusRegistry registry = new PrometheusRegistry();
        FlowwatchMetrics metrics = new FlowwatchMetrics(registry);
        int sources = FlowwatchMetrics.MAX_ALERT_SOURCES + 5;
        for (int i = 0; i < sources; i++) {
            metrics.alert(Severity.LOW, "camera-" + i);
        }
        metrics.alert(Severity.HIGH, "camera-0");

        Map<String, Double> bySource = counts(registry, "flowwatch_alerts_by_source", "source");
        assertEquals(FlowwatchMetrics.MAX_ALERT_SOURCES + 1, bySource.size());
        assertEquals(2.0, bySource.get("camera-0"));
        assertEquals(5.0, bySource.get(FlowwatchMetrics.OTHER_SOURCES));
    }

    /** The counter {@code name}'s values by the value of its one label. */
    private static Map<String, Double> counts(
            PrometheusRegistry registry, String name, String label) {
        Map<String, Double> byLabel = new TreeMap<>();
        for (MetricSnapshot s : registry.scrape()) {
            if (s.getMetadata().getName().equals(name)) {
                for (CounterSnapshot.CounterDataPointSnapshot p :
                        ((CounterSnapshot) s).getDataPoints()) {
                    byLabel.put(p.getLabels().get(label), p.getValue());
                }
            }
        }
        return byLabel;
    }

    @Test
    void forwardPassesAreHistogrammedInSeconds() {
        PrometheusRegistry registry = new PrometheusRegistry();
        FlowwatchMetrics metrics = new FlowwatchMetrics(registry);

        metrics.forwardPass(2_000_000, 30_000_000);
        metrics.forwardPass(0, 10_000_000);

        Map<String, HistogramSnapshot.HistogramDataPointSnapshot> histograms = new TreeMap<>();
        for (MetricSnapshot s : registry.scrape()) {
            if (s instanceof HistogramSnapshot h) {
                histograms.put(s.getMetadata().getPrometheusName(), h.getDataPoints().get(0));
            }
        }
        var wait = histograms.get("flowwatch_engine_lock_wait_seconds");
        var forward = histograms.get("flowwatch_engine_forward_seconds");
        assertEquals(2, wait.getCount());
        assertEquals(0.002, wait.getSum(), 1e-12);
        assertEquals(2, forward.getCount());
        assertEquals(0.040, forward.getSum(), 1e-12);
    }
}
