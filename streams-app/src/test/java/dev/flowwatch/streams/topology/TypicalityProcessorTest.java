package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.score.TypicalityTest;
import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;

class TypicalityProcessorTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:01Z");
    private static final AnomalyDecider DECIDER = AnomalyDecider.fixedThreshold(100, "m", "v");
    private static final Alerts ALERTS = new Alerts(0.01, Optional.empty());
    private static final int WINDOW = 8;

    /** Normal images cost N(3, 0.3²) bits/dim. */
    private static final TypicalityTest TEST = new TypicalityTest(normals(), WINDOW);

    private final FlowwatchMetrics metrics = new FlowwatchMetrics(new PrometheusRegistry());
    private final MockProcessorContext<byte[], AnomalyAlert> context = new MockProcessorContext<>();
    private TimestampedKeyValueStore<String, byte[]> store;

    private static double[] normals() {
        Random random = new Random(1);
        double[] s = new double[2000];
        for (int i = 0; i < s.length; i++) {
            s[i] = 3 + 0.3 * random.nextGaussian();
        }
        return s;
    }

    @BeforeEach
    void windowStore() {
        store = SourceWindowsTest.inMemory(context, TypicalityProcessor.STORE, Serdes.ByteArray());
    }

    private Processor<byte[], AnomalyScore, byte[], AnomalyAlert> processor() {
        Processor<byte[], AnomalyScore, byte[], AnomalyAlert> p =
                TypicalityProcessor.supplier(TEST, ALERTS, metrics, Duration.ZERO).get();
        context.setCurrentSystemTimeMs(NOW.toEpochMilli());
        p.init(context);
        return p;
    }

    private static AnomalyScore score(String id, String source, double bpd) {
        return TestScores.score(DECIDER, id, source, bpd, NOW);
    }

    /** Sends {@code count} events of one source at one bits/dim; returns the alerted ids. */
    private List<String> send(
            Processor<byte[], AnomalyScore, byte[], AnomalyAlert> p,
            String source,
            double bpd,
            int from,
            int count) {
        context.resetForwards();
        for (int i = from; i < from + count; i++) {
            String id = source + "-" + i;
            p.process(new Record<>(id.getBytes(), score(id, source, bpd), 0));
        }
        return context.forwarded().stream()
                .map(f -> f.record().value().getEventId().toString())
                .toList();
    }

    @Test
    void aRunOfTooLikelyImagesAlertsOncePerWindow() {
        var p = processor();
        // 2 bits/dim is an ordinary score for one image (-3.3 sigma) but not for eight
        assertEquals(List.of("cam-7", "cam-15"), send(p, "cam", 2.0, 0, 16));
        AnomalyAlert alert = context.forwarded().get(0).record().value();
        assertEquals(TypicalityProcessor.KIND, alert.getScoreKind());
        assertEquals(TEST.statistic(2.0), alert.getScore(), 1e-12);
        assertTrue(alert.getPValue() < 0.01);
        assertEquals(TEST.threshold(0.01), alert.getThreshold(), 0.0);
        assertEquals(Alerts.severityOfPValue(alert.getPValue(), 0.01), alert.getSeverity());
        assertTrue(alert.getReason().toString().contains("more likely"), alert.getReason());
        assertEquals(NOW, alert.getAlertTime());
    }

    @Test
    void typicalSourcesStaySilentAndSourcesDoNotMix() {
        var p = processor();
        assertEquals(List.of(), send(p, "ok", TEST.entropy(), 0, 40));
        assertEquals(List.of(), send(p, "bad", 4.0, 0, WINDOW - 1));
        assertEquals(List.of(), send(p, "ok", TEST.entropy(), 40, 1));
        assertEquals(List.of("bad-7"), send(p, "bad", 4.0, WINDOW - 1, 1));
    }

    /** The window lives in the store: a task restored from its changelog continues it. */
    @Test
    void windowsLiveInAChangeloggedStore() {
        StoreBuilder<?> builder =
                TypicalityProcessor.supplier(TEST, ALERTS, metrics, Duration.ZERO)
                        .stores()
                        .iterator()
                        .next();
        assertTrue(builder.loggingEnabled());
        assertEquals(List.of(), send(processor(), "cam", 2.0, 0, 5));
        assertEquals(List.of("cam-7"), send(processor(), "cam", 2.0, 5, 3));
    }

    /**
     * After a rollout the old model's bits/dim would be tested against the new model's Ĥ: a window
     * of 2.9 bits/dim is typical for a model whose Ĥ is 3.0, and not for one whose Ĥ is 3.5, which
     * alerted on the first event after the rollout.
     */
    @Test
    void aWindowFilledUnderAnotherModelStartsAfresh() {
        assertEquals(List.of(), send(processor(), "cam", 2.9, 0, WINDOW));
        double[] shifted = normals();
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] += 0.5;
        }
        TypicalityTest rolledOut = new TypicalityTest(shifted, WINDOW);
        Processor<byte[], AnomalyScore, byte[], AnomalyAlert> next =
                TypicalityProcessor.supplier(rolledOut, ALERTS, metrics, Duration.ZERO).get();
        next.init(context);

        assertEquals(List.of(), send(next, "cam", 3.4, WINDOW, WINDOW - 1));
        assertEquals(
                List.of(), send(next, "cam", 3.4, 2 * WINDOW - 1, 1), "a full window, typical");
    }

    @Test
    void aWindowSavedUnderAnotherSizeStartsAfresh() {
        store.put("cam", ValueAndTimestamp.make(new byte[12], 0));
        assertEquals(List.of("cam-7"), send(processor(), "cam", 2.0, 0, WINDOW));
    }
}
