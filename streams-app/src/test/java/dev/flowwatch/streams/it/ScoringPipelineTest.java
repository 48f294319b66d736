package dev.flowwatch.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.streams.FlowwatchApp;
import dev.flowwatch.streams.ReadyApps;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.demo.DemoData;
import dev.flowwatch.streams.demo.DemoRecord;
import dev.flowwatch.streams.demo.DemoTraffic;
import dev.flowwatch.streams.demo.TrafficKind;
import dev.flowwatch.streams.demo.TrafficProducer;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The app on a real broker, exactly-once: a tiny random-weight model where only the plumbing is
 * tested, the committed trained Fashion-MNIST model where the scores must mean something.
 */
class ScoringPipelineTest {

    private static final Path DATA = Path.of("..", "data");

    /**
     * The committed `small` Flow++ bundle trained on Fashion-MNIST (test ELBO about 3.1 bits/dim).
     */
    private static final Path TRAINED_MODEL =
            DATA.resolve(Path.of("models", "fashion-mnist-small"));

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SETTLE = Duration.ofSeconds(2);

    @TempDir Path dir;
    private EmbeddedKafka kafka;
    private Path tinyBundle;
    private DemoData data;

    @BeforeEach
    void startBroker() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        tinyBundle = TinyBundle.write(dir.resolve("model"));
        data = DemoData.load(DATA);
    }

    @AfterEach
    void stopBroker() {
        kafka.close();
    }

    private FlowwatchApp startApp(Path bundle, double threshold) throws InterruptedException {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("application.id", "it-" + System.nanoTime());
        settings.put("model.dir", bundle.toString());
        settings.put("state.dir", dir.resolve("state").toString());
        settings.put("metrics.port", "0");
        settings.put("threshold.bpd", Double.toString(threshold));
        settings.put("batch.max.size", "16");
        settings.put("batch.max.delay.ms", "100");
        settings.put("topics.create", "true");
        settings.put("topics.partitions", "2");
        FlowwatchApp app = FlowwatchApp.start(AppConfig.load(null, Map.of(), settings));
        ReadyApps.awaitReady(app, TIMEOUT);
        return app;
    }

    private DemoTraffic traffic() {
        return new DemoTraffic(
                data.replay(), data.digits(), new DemoTraffic.Mix(0, 0), 1, Clock.systemUTC());
    }

    private List<DemoRecord> send(List<DemoRecord> records) {
        try (TrafficProducer producer = new TrafficProducer(kafka.bootstrapServers(), "images")) {
            records.forEach(producer::send);
            producer.flush();
        }
        return records;
    }

    private List<AnomalyScore> scores(int expected) {
        var deserializer = FlowwatchSerdes.anomalyScore().deserializer();
        return CommittedReader.read(
                        kafka.bootstrapServers(), "anomaly-scores", expected, SETTLE, TIMEOUT)
                .stream()
                .map(r -> deserializer.deserialize(r.topic(), r.value()))
                .toList();
    }

    @Test
    void everyEventGetsExactlyOneScoreReadCommitted() throws Exception {
        DemoTraffic traffic = traffic();
        List<DemoRecord> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sent.add(traffic.next(TrafficKind.NORMAL));
        }
        try (FlowwatchApp app = startApp(tinyBundle, 1e9)) {
            send(sent);
            List<AnomalyScore> scores = scores(sent.size());
            List<String> ids = scores.stream().map(AnomalyScore::getEventId).sorted().toList();
            assertEquals(sent.stream().map(DemoRecord::eventId).sorted().toList(), ids);
        }
    }

    @Test
    void injectedAnomaliesRaiseAlerts() throws Exception {
        DemoTraffic traffic = traffic();
        List<DemoRecord> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            sent.add(traffic.next(i % 4 == 0 ? TrafficKind.NOISE : TrafficKind.NORMAL));
        }
        double threshold = thresholdBetweenNormalAndNoise(TRAINED_MODEL);
        try (FlowwatchApp app = startApp(uncalibrated(TRAINED_MODEL), threshold)) {
            send(sent);
            Map<String, Boolean> flagged =
                    scores(sent.size()).stream()
                            .collect(
                                    Collectors.toMap(
                                            AnomalyScore::getEventId, AnomalyScore::getIsAnomaly));
            var alertDeserializer = FlowwatchSerdes.anomalyAlert().deserializer();
            Set<String> alerted =
                    CommittedReader.read(
                                    kafka.bootstrapServers(), "anomaly-alerts", 10, SETTLE, TIMEOUT)
                            .stream()
                            .map(r -> alertDeserializer.deserialize(r.topic(), r.value()))
                            .map(AnomalyAlert::getEventId)
                            .collect(Collectors.toSet());
            for (DemoRecord r : sent) {
                boolean noise = r.kind() == TrafficKind.NOISE;
                assertEquals(noise, flagged.get(r.eventId()), r.eventId());
                assertEquals(noise, alerted.contains(r.eventId()), r.eventId());
            }
        }
    }

    /**
     * The bundle's model alone: without its calibration.json the fixed threshold decides, as this
     * test means it to.
     */
    private Path uncalibrated(Path bundle) throws IOException {
        Path copy = Files.createDirectories(dir.resolve("uncalibrated"));
        for (String file : List.of(ModelBundle.MANIFEST, ModelBundle.PARAMETERS)) {
            Files.copy(bundle.resolve(file), copy.resolve(file));
        }
        return copy;
    }

    /**
     * Midway between the worst normal image and the best noise image, as this bundle scores them. A
     * random-weight model need not separate them; the trained one must, by a wide margin.
     */
    private double thresholdBetweenNormalAndNoise(Path bundle) {
        DemoTraffic traffic = traffic();
        var events = FlowwatchSerdes.imageEvent().deserializer();
        int n = 32;
        byte[] normal = new byte[n * 784];
        byte[] noise = new byte[n * 784];
        for (int i = 0; i < n; i++) {
            events.deserialize("", traffic.next(TrafficKind.NORMAL).value())
                    .getData()
                    .duplicate()
                    .get(normal, i * 784, 784);
            events.deserialize("", traffic.next(TrafficKind.NOISE).value())
                    .getData()
                    .duplicate()
                    .get(noise, i * 784, 784);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            var model = ModelBundle.load(bundle, manager).model();
            LikelihoodScorer scorer = new LikelihoodScorer(model, manager, 1);
            double[] normalBpd =
                    scorer.scoreAll(
                                    ImageSet.of(normal, 1, 28, 28, null, "normal"),
                                    n,
                                    0,
                                    1,
                                    i -> {})
                            .elboBitsPerDim();
            double[] noiseBpd =
                    scorer.scoreAll(ImageSet.of(noise, 1, 28, 28, null, "noise"), n, 0, 1, i -> {})
                            .elboBitsPerDim();
            double worstNormal = Arrays.stream(normalBpd).max().orElseThrow();
            double bestNoise = Arrays.stream(noiseBpd).min().orElseThrow();
            assertTrue(
                    worstNormal < bestNoise,
                    "the bundle must separate noise from normal images: normal up to "
                            + worstNormal
                            + " bits/dim, noise from "
                            + bestNoise);
            return (worstNormal + bestNoise) / 2;
        }
    }

    @Test
    void malformedRecordsGoToDlqAndTheAppKeepsRunning() throws Exception {
        DemoTraffic traffic = traffic();
        List<DemoRecord> garbage = new ArrayList<>();
        List<DemoRecord> valid = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            garbage.add(traffic.next(TrafficKind.GARBAGE));
        }
        garbage.add(traffic.next(TrafficKind.WRONG_SHAPE));
        for (int i = 0; i < 20; i++) {
            valid.add(traffic.next(TrafficKind.NORMAL));
        }
        try (FlowwatchApp app = startApp(tinyBundle, 1e9)) {
            send(garbage);
            send(valid);
            List<ConsumerRecord<byte[], byte[]>> dead =
                    CommittedReader.read(
                            kafka.bootstrapServers(),
                            "images.dlq",
                            garbage.size(),
                            SETTLE,
                            TIMEOUT);
            assertEquals(garbage.size(), dead.size());
            Set<String> reasons = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> d : dead) {
                var reason = d.headers().lastHeader("flowwatch.dlq.reason");
                assertNotNull(reason, "every dead letter says why");
                reasons.add(new String(reason.value(), StandardCharsets.UTF_8));
            }
            for (DemoRecord g : garbage) {
                assertTrue(
                        dead.stream()
                                .anyMatch(
                                        d ->
                                                Arrays.equals(g.value(), d.value())
                                                        && g.key()
                                                                .equals(
                                                                        new String(
                                                                                d.key(),
                                                                                StandardCharsets
                                                                                        .UTF_8))),
                        "the DLQ keeps the original key and bytes of " + g.eventId());
            }
            assertTrue(reasons.contains("WRONG_SHAPE"), reasons.toString());
            List<String> scored =
                    scores(valid.size()).stream().map(AnomalyScore::getEventId).sorted().toList();
            assertEquals(valid.stream().map(DemoRecord::eventId).sorted().toList(), scored);
            assertTrue(app.isReady(), "the app keeps running");
        }
    }
}
