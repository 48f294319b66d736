package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.streams.config.PerSourceRule;
import dev.flowwatch.streams.metrics.FlowwatchMetrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

class AlertProcessorTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:01Z");
    private static final AnomalyDecider DECIDER = AnomalyDecider.fixedThreshold(5, "m", "v");
    private static final Alerts ALERTS = new Alerts(0.01, Optional.empty());

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final FlowwatchMetrics metrics = new FlowwatchMetrics(registry);
    private final MockProcessorContext<byte[], AnomalyAlert> context = new MockProcessorContext<>();

    /** A score of an event of {@code source}, anomalous or not under the threshold of 5. */
    private static AnomalyScore score(String id, String source, boolean anomalous) {
        return TestScores.score(DECIDER, id, source, anomalous ? 6 : 4, NOW);
    }

    private Processor<byte[], AnomalyScore, byte[], AnomalyAlert> processor(int k, int n) {
        Processor<byte[], AnomalyScore, byte[], AnomalyAlert> p =
                AlertProcessor.supplier(ALERTS, metrics, new PerSourceRule(k, n), Duration.ZERO)
                        .get();
        context.setCurrentSystemTimeMs(NOW.toEpochMilli());
        p.init(context);
        return p;
    }

    private TimestampedKeyValueStore<String, Long> windowStore() {
        return SourceWindowsTest.inMemory(context, AlertProcessor.STORE, Serdes.Long());
    }

    /** Feeds "id:source:A" (anomalous) or "id:source:-" scores; returns the alerted ids. */
    private List<String> feed(
            Processor<byte[], AnomalyScore, byte[], AnomalyAlert> p, String... events) {
        context.resetForwards();
        for (String e : events) {
            String[] part = e.split(":");
            p.process(
                    new Record<>(
                            part[0].getBytes(), score(part[0], part[1], part[2].equals("A")), 0));
        }
        return context.forwarded().stream()
                .map(f -> f.record().value().getEventId().toString())
                .toList();
    }

    private double withheld() {
        return registry.scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("flowwatch_alerts_withheld"))
                .mapToDouble(
                        s ->
                                ((io.prometheus.metrics.model.snapshots.CounterSnapshot) s)
                                        .getDataPoints()
                                        .get(0)
                                        .getValue())
                .sum();
    }

    @Test
    void withoutTheRuleEveryAnomalyAlertsAndNothingIsStored() {
        ProcessorSupplier<byte[], AnomalyScore, byte[], AnomalyAlert> supplier =
                AlertProcessor.supplier(ALERTS, metrics, new PerSourceRule(1, 1), Duration.ZERO);
        assertNull(supplier.stores(), "1 of 1 needs no state");
        List<String> alerted = feed(processor(1, 1), "e1:cam:A", "e2:cam:-", "e3:cam:A");
        assertEquals(List.of("e1", "e3"), alerted);
    }

    @Test
    void alertsOnlyWhenKOfTheLastNEventsOfTheSourceWereAnomalousThenStartsAfresh() {
        windowStore();
        var p = processor(2, 3);
        List<String> alerted =
                feed(
                        p,
                        "a1:cam-a:A", // 1 of 3: withheld
                        "b1:cam-b:A", // another source's window: withheld
                        "a2:cam-a:-",
                        "a3:cam-a:A", // a1, a3: 2 of the last 3 -> alert, window cleared
                        "a4:cam-a:A", // 1 since the alert: withheld
                        "a5:cam-a:-",
                        "a6:cam-a:-",
                        "a7:cam-a:A", // a4 has left the window of 3: withheld
                        "b2:cam-b:A"); // b1, b2 -> alert
        assertEquals(List.of("a3", "b2"), alerted);
        assertEquals(4, withheld());
        AnomalyAlert alert = context.forwarded().get(0).record().value();
        assertTrue(
                alert.getReason()
                        .toString()
                        .endsWith(
                                "; 2 of the last 3 events of source cam-a were anomalous (rule: 2"
                                        + " of 3)"),
                alert.getReason());
        assertEquals(NOW, alert.getAlertTime());
    }

    @Test
    void anAnomalyAfterItsSourceWasIdlePastTheExpiryStartsAFreshWindow() {
        windowStore();
        context.setCurrentSystemTimeMs(NOW.toEpochMilli());
        var p =
                AlertProcessor.supplier(
                                ALERTS, metrics, new PerSourceRule(2, 3), Duration.ofMinutes(10))
                        .get();
        p.init(context);
        long minute = 60_000;
        p.process(new Record<>(new byte[0], score("a1", "cam", true), 0));
        p.process(new Record<>(new byte[0], score("a2", "cam", true), 11 * minute));
        assertEquals(List.of(), context.forwarded(), "a1 was 11 minutes before: forgotten");
        p.process(new Record<>(new byte[0], score("a3", "cam", true), 20 * minute));
        assertEquals(1, context.forwarded().size(), "a2 and a3 within 10 minutes");
    }

    /** The window lives in the store: a task restored from its changelog continues it. */
    @Test
    void windowsLiveInAChangeloggedStoreSoARestoredTaskContinuesThem() {
        StoreBuilder<?> builder =
                AlertProcessor.supplier(ALERTS, metrics, new PerSourceRule(2, 3), Duration.ZERO)
                        .stores()
                        .iterator()
                        .next();
        assertTrue(builder.loggingEnabled(), "the windows must be changelogged");
        assertTrue(builder.name().equals(AlertProcessor.STORE));

        TimestampedKeyValueStore<String, Long> store = windowStore();
        assertEquals(List.of(), feed(processor(2, 3), "a1:cam:A"));
        assertEquals(1L, store.get("cam").value());
        assertEquals(List.of("a2"), feed(processor(2, 3), "a2:cam:A"));
        assertNull(store.get("cam"), "a source without anomalies in its window takes no space");
    }
}
