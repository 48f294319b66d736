package dev.flowwatch.streams;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;
import dev.flowwatch.streams.metrics.ProbeStatus;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

class ScoringDeadlineTest {

    private static AppConfig config(String... settings) {
        Map<String, String> all =
                new HashMap<>(Map.of("bootstrap.servers", "b:9092", "model.dir", "m"));
        for (int i = 0; i < settings.length; i += 2) {
            all.put(settings[i], settings[i + 1]);
        }
        return AppConfig.load(null, Map.of(), all);
    }

    private static InvalidConfigException refusal(AppConfig config, Duration warmUp) {
        return assertThrows(
                InvalidConfigException.class,
                () -> ScoringDeadline.of(config).requireRoom(config, warmUp));
    }

    @Test
    void theDeadlineIsTheShorterOfTheTransactionTimeoutAndThePollInterval() {
        assertEquals(
                new ScoringDeadline(Duration.ofMinutes(1), "kafka.producer.transaction.timeout.ms"),
                ScoringDeadline.of(config()));
        assertEquals(
                new ScoringDeadline(Duration.ofMinutes(5), "kafka.consumer.max.poll.interval.ms"),
                ScoringDeadline.of(config("kafka.producer.transaction.timeout.ms", "600000")),
                "the consumer leaves the group first");
        assertEquals(
                new ScoringDeadline(Duration.ofMinutes(5), "kafka.consumer.max.poll.interval.ms"),
                ScoringDeadline.of(config("processing.guarantee", "at_least_once")));
    }

    /** A large model's batch of 64 on a CPU: Kafka Streams' own 10 s would fence it for ever. */
    @Test
    void aBatchThatLeavesRoomForFourWithinTheDeadlineStarts() {
        AppConfig config = config();
        ScoringDeadline deadline = ScoringDeadline.of(config);
        assertDoesNotThrow(() -> deadline.requireRoom(config, Duration.ofSeconds(12)));
        assertEquals(1, deadline.tasksPerThread(Duration.ofSeconds(12)));
        assertEquals(25, deadline.tasksPerThread(Duration.ofMillis(600)));
    }

    @Test
    void aBatchTooSlowForTheDeadlineStopsTheStartSayingWhatToChange() {
        InvalidConfigException e = refusal(config("batch.max.size", "256"), Duration.ofSeconds(16));
        for (String part :
                new String[] {
                    "16000 ms",
                    "batch.max.size=256",
                    "kafka.producer.transaction.timeout.ms=60000",
                    "at least 64000",
                    "transaction.max.timeout.ms"
                }) {
            assertTrue(e.getMessage().contains(part), part + " in: " + e.getMessage());
        }
        InvalidConfigException polling =
                refusal(config("processing.guarantee", "at_least_once"), Duration.ofSeconds(76));
        assertTrue(
                polling.getMessage().contains("kafka.consumer.max.poll.interval.ms=300000"),
                polling.getMessage());
    }

    @Test
    void registryRetriesOutlastingTheDeadlineStopTheStart() {
        AppConfig config =
                config(
                        "schema.registry.url", "http://registry:8081",
                        "schema.registry.retry.max.ms", "60000");
        InvalidConfigException e = refusal(config, Duration.ofMillis(1));
        assertTrue(
                e.getMessage()
                        .contains(
                                "schema.registry.retry.max.ms=60000 must stay below"
                                        + " kafka.producer.transaction.timeout.ms=60000"),
                e.getMessage());
    }

    @Test
    void healthFailsOnlyWhileAPassRunsPastTheDeadline() {
        ScoringDeadline deadline = ScoringDeadline.of(config());
        assertEquals(ProbeStatus.OK, deadline.health(Duration.ofSeconds(59)));
        ProbeStatus hung = deadline.health(Duration.ofSeconds(61));
        assertFalse(hung.ok());
        assertTrue(hung.reason().contains("61 s, past the 60 s"), hung.reason());
    }
}
