package dev.flowwatch.streams.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Exposes the Kafka Streams client's own metrics (consumer lag, commit rate, poll and process
 * rates, producer and state-store metrics...) as gauges named {@code kafka_streams_<group>_<name>},
 * with the metric's tags (client-id, thread-id, task-id, topic, partition...) as labels.
 *
 * <p>Read at scrape time from {@code KafkaStreams#metrics()}, so metrics of threads and tasks that
 * come and go appear and disappear with them. Kafka's cumulative "-total" metrics become gauges as
 * well; Prometheus reserves the {@code _total} suffix for counters, so it is dropped from the name.
 */
public final class KafkaStreamsMetricsBridge implements MultiCollector {

    private static final String PREFIX = "kafka_streams_";

    private final Supplier<Map<MetricName, ? extends Metric>> metrics;

    /**
     * @param metrics e.g. {@code kafkaStreams::metrics}
     */
    public KafkaStreamsMetricsBridge(Supplier<Map<MetricName, ? extends Metric>> metrics) {
        this.metrics = metrics;
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, GaugeSnapshot.Builder> families = new TreeMap<>();
        Map<String, Set<Labels>> seen = new TreeMap<>();
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.get().entrySet()) {
            if (!(e.getValue().metricValue() instanceof Number value)) {
                continue;
            }
            MetricName name = e.getKey();
            String family = prometheusName(name.group(), name.name());
            Labels labels = labels(name.tags());
            // Two Kafka names may sanitise to one; keep the first rather than fail the whole
            // scrape.
            if (!seen.computeIfAbsent(family, k -> new HashSet<>()).add(labels)) {
                continue;
            }
            families.computeIfAbsent(
                            family, f -> GaugeSnapshot.builder().name(f).help(name.description()))
                    .dataPoint(
                            GaugeSnapshot.GaugeDataPointSnapshot.builder()
                                    .value(value.doubleValue())
                                    .labels(labels)
                                    .build());
        }
        List<MetricSnapshot> snapshots = new ArrayList<>(families.size());
        families.values().forEach(b -> snapshots.add(b.build()));
        return new MetricSnapshots(snapshots);
    }

    static String prometheusName(String group, String name) {
        // Classic names only: client_java 1.4 keeps dots and dashes (UTF-8 names) and escapes them
        // only
        // when writing, which would hide a reserved suffix from the check below.
        String n = legacy(PREFIX + group + "_" + name);
        // Reserved for the samples of other metric types.
        for (String reserved : List.of("_total", "_created", "_bucket", "_info")) {
            if (n.endsWith(reserved)) {
                n = n.substring(0, n.length() - reserved.length());
            }
        }
        return n;
    }

    private static Labels labels(Map<String, String> tags) {
        Labels.Builder b = Labels.builder();
        new TreeMap<>(tags).forEach((k, v) -> b.label(legacy(k), v == null ? "" : v));
        return b.build();
    }

    private static String legacy(String name) {
        String n = name.replaceAll("[^a-zA-Z0-9_]", "_");
        return Character.isDigit(n.charAt(0)) ? "_" + n : n;
    }
}
