package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.engine.BatchScorer;
import dev.flowwatch.streams.engine.ScoringEngine;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** The whole topology on a TopologyTestDriver, with the real model and real Avro bytes. */
final class TopologyFixture implements AutoCloseable {

    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    final AppConfig config;
    final PrometheusRegistry registry = new PrometheusRegistry();
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> images;
    final TestOutputTopic<byte[], AnomalyScore> scores;
    final TestOutputTopic<byte[], AnomalyAlert> alerts;
    final TestOutputTopic<byte[], byte[]> dlq;

    TopologyFixture(ScoringEngine engine, Path stateDir, Map<String, String> settings) {
        this(engine, engine, stateDir, settings);
    }

    /** The topology whose forward passes go through {@code batchScorer} instead of the engine. */
    TopologyFixture(
            ScoringEngine engine,
            BatchScorer batchScorer,
            Path stateDir,
            Map<String, String> settings) {
        Map<String, String> all =
                new HashMap<>(
                        Map.of(
                                "bootstrap.servers", "unused:9092",
                                "model.dir", "unused",
                                "threshold.bpd", "100",
                                "state.dir", stateDir.toString(),
                                "topics.create", "false",
                                // the driver runs every step on the calling thread; pipelined
                                // batching is proven by BatchingPipelineTest and on a real broker
                                "batch.pipelined", "false"));
        all.putAll(settings);
        config = AppConfig.load(null, Map.of(), all);
        FlowwatchMetrics metrics = new FlowwatchMetrics(registry);
        driver =
                new TopologyTestDriver(
                        FlowwatchTopology.build(
                                config, engine, batchScorer, WireFormat.singleObject(), metrics),
                        FlowwatchTopology.streamsProperties(config, metrics),
                        START);
        images =
                driver.createInputTopic(
                        config.topicImages(), new ByteArraySerializer(), new ByteArraySerializer());
        scores =
                driver.createOutputTopic(
                        config.topicScores(),
                        new ByteArrayDeserializer(),
                        FlowwatchSerdes.anomalyScore().deserializer());
        alerts =
                driver.createOutputTopic(
                        config.topicAlerts(),
                        new ByteArrayDeserializer(),
                        FlowwatchSerdes.anomalyAlert().deserializer());
        dlq =
                driver.createOutputTopic(
                        config.topicDlq(),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
    }

    /**
     * The topology on a calibrated engine's bundle and score kind, scoring each event in a batch of
     * its own and alerting at p &lt; {@code alpha}.
     */
    static TopologyFixture calibrated(
            ScoringEngine engine, Path bundle, Path stateDir, double alpha) {
        return new TopologyFixture(
                engine,
                stateDir,
                Map.of(
                        "batch.max.size", "1",
                        "model.dir", bundle.toString(),
                        "score.kind", engine.kind().id(),
                        "alert.target-false-alarm-rate", Double.toString(alpha)));
    }

    static byte[] bytes(ImageEvent event) {
        return FlowwatchSerdes.imageEvent().serializer().serialize("images", event);
    }

    static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    void send(String key, ImageEvent event) {
        images.pipeInput(key(key), bytes(event));
    }

    KeyValueStore<Bytes, byte[]> pendingStore() {
        return driver.getKeyValueStore(BatchingProcessor.STORE);
    }

    long pendingCount() {
        long n = 0;
        try (var it = pendingStore().all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        driver.close();
    }
}
