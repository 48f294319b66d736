package dev.flowwatch.streams.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

class MetricsServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesMetricsHealthAndReadiness() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        FlowwatchMetrics metrics = new FlowwatchMetrics(registry);
        metrics.modelLoaded("test-model", "v1", "cpu()");
        metrics.eventIn();
        metrics.batch(3, 4, 0.02);
        metrics.scored(5.25, 0.1);
        registry.register(
                new KafkaStreamsMetricsBridge(
                        () ->
                                Map.of(
                                        name(
                                                        "records-lag-max",
                                                        "consumer-fetch-manager-metrics",
                                                        Map.of("client-id", "c1")),
                                                metric(7),
                                        name(
                                                        "commit-rate",
                                                        "stream-thread-metrics",
                                                        Map.of("thread-id", "t1")),
                                                metric(2.5),
                                        name(
                                                        "commit-total",
                                                        "stream-thread-metrics",
                                                        Map.of("thread-id", "t1")),
                                                metric(10))));
        AtomicReference<ProbeStatus> health = new AtomicReference<>(ProbeStatus.OK);
        AtomicReference<ProbeStatus> ready =
                new AtomicReference<>(ProbeStatus.failing("waiting for Kafka: brokers down"));

        try (MetricsServer server = MetricsServer.start(0, registry, health::get, ready::get)) {
            String body = get(server, "/metrics").body();
            assertEquals(1, value(body, "flowwatch_events_in_total"), body);
            assertEquals(
                    0, value(body, "flowwatch_events_invalid_total{reason=\"WRONG_SHAPE\"}"), body);
            assertEquals(1, value(body, "flowwatch_batch_size_bucket{le=\"4.0\"}"), body);
            assertEquals(1, value(body, "flowwatch_batch_fill_ratio_count"), body);
            assertEquals(5.25, value(body, "flowwatch_score_bits_per_dim_sum"), body);
            assertEquals(1, value(body, "flowwatch_end_to_end_latency_seconds_count"), body);
            assertEquals(
                    1,
                    value(
                            body,
                            "flowwatch_model_info{device=\"cpu()\",model_id=\"test-model\",model_version=\"v1\"}"),
                    body);
            assertEquals(1, value(body, "flowwatch_model_loaded"), body);
            assertEquals(
                    7,
                    value(
                            body,
                            "kafka_streams_consumer_fetch_manager_metrics_records_lag_max{client_id=\"c1\"}"));
            assertEquals(
                    2.5,
                    value(
                            body,
                            "kafka_streams_stream_thread_metrics_commit_rate{thread_id=\"t1\"}"));
            assertEquals(
                    10,
                    value(body, "kafka_streams_stream_thread_metrics_commit{thread_id=\"t1\"}"));

            HttpResponse<String> healthz = get(server, "/healthz");
            assertEquals(200, healthz.statusCode());
            assertEquals("ok\n", healthz.body());
            HttpResponse<String> notReady = get(server, "/ready");
            assertEquals(503, notReady.statusCode());
            assertEquals("not ready: waiting for Kafka: brokers down\n", notReady.body());
            ready.set(ProbeStatus.OK);
            assertEquals(200, get(server, "/ready").statusCode());
            health.set(ProbeStatus.failing("5 stream threads died"));
            HttpResponse<String> unhealthy = get(server, "/healthz");
            assertEquals(503, unhealthy.statusCode());
            assertEquals("unhealthy: 5 stream threads died\n", unhealthy.body());
            assertEquals(404, get(server, "/elsewhere").statusCode());
        }
    }

    private HttpResponse<String> get(MetricsServer server, String path)
            throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one series in the text format, whatever number formatting the writer uses. */
    private static double value(String body, String series) {
        return body.lines()
                .filter(line -> line.startsWith(series + " "))
                .mapToDouble(
                        line ->
                                Double.parseDouble(
                                        line.substring(series.length() + 1).trim().split(" ")[0]))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no series " + series + " in\n" + body));
    }

    private static MetricName name(String name, String group, Map<String, String> tags) {
        return new MetricName(name, group, "test metric", tags);
    }

    private static Metric metric(double value) {
        return new Metric() {
            @Override
            public MetricName metricName() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
    }
}
