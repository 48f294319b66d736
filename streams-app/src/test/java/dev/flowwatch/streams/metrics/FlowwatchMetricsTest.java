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
    void alertsBySourceKeepTheFirstSourcesAndCountTheRestAsOther() {
        PrometheusRegistry registry = new PrometheusRegistry();
        FlowwatchMetrics metrics = new FlowwatchMetrics(registry);
        int sources = FlowwatchMetrics.MAX_ALERT_SOURCES + 5;
        for (int i = 0; i < sources; i++) {
            metrics.alert(Severity.LOW, "camera-" + i);
        }
        metrics.alert(Severity.HIGH, "camera-0");

        Map<String, Double> bySource = new TreeMap<>();
        for (MetricSnapshot s : registry.scrape()) {
            if (s.getMetadata().getName().equals("flowwatch_alerts_by_source")) {
                for (CounterSnapshot.CounterDataPointSnapshot p :
                        ((CounterSnapshot) s).getDataPoints()) {
                    bySource.put(p.getLabels().get("source"), p.getValue());
                }
            }
        }
        assertEquals(FlowwatchMetrics.MAX_ALERT_SOURCES + 1, bySource.size());
        assertEquals(2.0, bySource.get("camera-0"));
        assertEquals(5.0, bySource.get(FlowwatchMetrics.OTHER_SOURCES));
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
