package dev.flowwatch.streams.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.streams.FlowwatchApp;
import dev.flowwatch.streams.ReadyApps;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.demo.DemoData;
import dev.flowwatch.streams.demo.DemoTraffic;
import dev.flowwatch.streams.demo.TrafficKind;
import dev.flowwatch.streams.demo.TrafficProducer;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every metric the dashboard and the alert rules query is one the running app exports: the app on
 * the embedded broker with the committed trained model, fed valid, anomalous and malformed images,
 * scraped over HTTP like Prometheus does.
 */
class MetricsExportedTest {

    private static final Path DATA = Path.of("..", "data");
    private static final Path TRAINED_MODEL =
            DATA.resolve(Path.of("models", "fashion-mnist-small"));
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    /**
     * Metrics of other exporters, named explicitly: NVIDIA's DCGM exporter (GPU panels) and
     * kube-state-metrics (replica panel, restart alert).
     */
    private static final Set<String> OTHER_EXPORTERS =
            Set.of(
                    "DCGM_FI_DEV_GPU_UTIL",
                    "DCGM_FI_DEV_FB_USED",
                    "kube_statefulset_status_replicas_ready",
                    "kube_statefulset_replicas",
                    "kube_pod_container_status_restarts_total");

    /** Labels Prometheus attaches to a target's samples; the app does not export them. */
    private static final Set<String> TARGET_LABELS =
            Set.of("job", "namespace", "pod", "instance", "service", "container", "endpoint");

    @TempDir Path dir;

    @Test
    void everyMetricTheDashboardAndAlertsQueryIsExported() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
                FlowwatchApp app = startApp(kafka)) {
            DemoData data = DemoData.load(DATA);
            DemoTraffic traffic =
                    new DemoTraffic(
                            data.replay(),
                            data.digits(),
                            new DemoTraffic.Mix(0, 0),
                            1,
                            Clock.systemUTC());
            int valid = 0;
            try (TrafficProducer producer =
                    new TrafficProducer(kafka.bootstrapServers(), "images")) {
                for (TrafficKind kind :
                        List.of(
                                TrafficKind.NORMAL,
                                TrafficKind.NOISE,
                                TrafficKind.NORMAL,
                                TrafficKind.GARBAGE,
                                TrafficKind.WRONG_SHAPE)) {
                    producer.send(traffic.next(kind));
                    valid += kind.category() == TrafficKind.Category.MALFORMED ? 0 : 1;
                }
                producer.flush();
            }
            Scrape scrape = scrapeUntilScored(app.metricsPort(), valid);

            Set<String> referenced = new TreeSet<>();
            Manifests.expressions().forEach(e -> referenced.addAll(PromQl.metricNames(e)));
            assertTrue(referenced.containsAll(OTHER_EXPORTERS), "the exceptions are all used");
            List<String> missing = new ArrayList<>();
            for (String name : referenced) {
                if (!OTHER_EXPORTERS.contains(name) && !scrape.exports(name)) {
                    missing.add(name);
                }
            }
            assertEquals(List.of(), missing, "queried but not exported");
            List<String> badLabels = new ArrayList<>();
            for (String expr : Manifests.expressions()) {
                for (PromQl.LabelMatch m : PromQl.equalityMatchers(expr)) {
                    if (!OTHER_EXPORTERS.contains(m.metric())
                            && !TARGET_LABELS.contains(m.label())
                            && !scrape.hasLabel(m.metric(), m.label(), m.value())) {
                        badLabels.add(m.toString());
                    }
                }
            }
            assertEquals(List.of(), badLabels, "label values no sample has");
            // registered whatever reports to them: the engine's passes must reach them too
            for (String timed :
                    List.of(
                            "flowwatch_engine_forward_seconds_count",
                            "flowwatch_engine_lock_wait_seconds_count")) {
                assertTrue(scrape.unlabelledValues.getOrDefault(timed, 0.0) >= 1, timed);
            }
        }
    }

    private FlowwatchApp startApp(EmbeddedKafka kafka) throws InterruptedException {
        FlowwatchApp app =
                FlowwatchApp.start(
                        AppConfig.load(
                                null,
                                Map.of(),
                                Map.of(
                                        "bootstrap.servers", kafka.bootstrapServers(),
                                        "model.dir", TRAINED_MODEL.toString(),
                                        "state.dir", dir.resolve("state").toString(),
                                        "metrics.port", "0",
                                        // Noise alerts, normal images do not (about 3 bits/dim).
                                        "threshold.bpd", "5",
                                        "batch.max.size", "4",
                                        "batch.max.delay.ms", "50")));
        ReadyApps.awaitReady(app, TIMEOUT);
        return app;
    }

    /** Scrapes until every valid event is scored and the consumer reports its lag per partition. */
    private static Scrape scrapeUntilScored(int port, int valid) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://localhost:" + port + "/metrics");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            String text =
                    http.send(
                                    HttpRequest.newBuilder(uri).GET().build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
            Scrape scrape = new Scrape(text);
            boolean scored = text.contains("flowwatch_events_scored_total " + valid + ".0");
            boolean lag =
                    scrape.hasLabel(
                            "kafka_streams_consumer_fetch_manager_metrics_records_lag",
                            "topic",
                            "images");
            if (scored && lag) {
                return scrape;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "scored " + scored + ", lag reported " + lag + ":\n" + text);
            }
            Thread.sleep(250);
        }
    }
}
