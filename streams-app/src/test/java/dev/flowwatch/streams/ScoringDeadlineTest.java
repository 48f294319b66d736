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

    /** A large model's batch of 64 on a CPU: Kafka Streams' own 10 s would fence it for ever. */
    @Test
    void aWarmUpThatLeavesRoomForFourBatchesWithinTheTransactionTimeoutStarts() {
        assertDoesNotThrow(() -> ScoringDeadline.requireRoom(config(), Duration.ofSeconds(12)));
        assertDoesNotThrow(
                () ->
                        ScoringDeadline.requireRoom(
                                config("processing.guarantee", "at_least_once"),
                                Duration.ofSeconds(70)));
    }

    @Test
    void aWarmUpTooSlowForTheTransactionTimeoutStopsTheStartSayingWhatToChange() {
        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () ->
                                ScoringDeadline.requireRoom(
                                        config("batch.max.size", "256"), Duration.ofSeconds(16)));
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
        InvalidConfigException atLeastOnce =
                assertThrows(
                        InvalidConfigException.class,
                        () ->
                                ScoringDeadline.requireRoom(
                                        config("processing.guarantee", "at_least_once"),
                                        Duration.ofSeconds(76)));
        assertTrue(
                atLeastOnce.getMessage().contains("kafka.consumer.max.poll.interval.ms=300000"),
                atLeastOnce.getMessage());
    }

    @Test
    void healthFailsOnlyWhileAPassRunsPastTheDeadline() {
        assertEquals(ProbeStatus.OK, ScoringDeadline.health(Duration.ofSeconds(59), config()));
        ProbeStatus hung = ScoringDeadline.health(Duration.ofSeconds(61), config());
        assertFalse(hung.ok());
        assertTrue(hung.reason().contains("61 s, past the 60 s"), hung.reason());
    }
}
