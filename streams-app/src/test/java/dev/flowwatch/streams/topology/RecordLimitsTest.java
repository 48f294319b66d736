package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

class RecordLimitsTest {

    private static final int GREY_28 = 28 * 28;

    private static AppConfig config(Map<String, String> settings) {
        Map<String, String> all =
                new HashMap<>(Map.of("bootstrap.servers", "b:9092", "model.dir", "m"));
        all.putAll(settings);
        return AppConfig.load(null, Map.of(), all);
    }

    @Test
    void headersCountWithTheLengthPrefixesTheProducerWritesEvenWhenEmpty() {
        RecordHeaders empty = new RecordHeaders();
        for (int i = 0; i < 10_000; i++) {
            empty.add("", null);
        }
        assertEquals(
                20_000, RecordLimits.sizeOf(null, empty), "a length byte each for name, value");
        Headers one = new RecordHeaders().add("ab", new byte[3]);
        assertEquals(4 + 1 + 2 + 1 + 3, RecordLimits.sizeOf(new byte[4], one));
        Headers wide = new RecordHeaders().add("x", new byte[200]);
        assertEquals(1 + 1 + 2 + 200, RecordLimits.sizeOf(null, wide), "a varint of two bytes");
    }

    @Test
    void defaultsLetEveryRecordTheAppWritesFitTheProducer() {
        AppConfig defaults = config(Map.of());

        assertEquals(1_048_576, defaults.producerMaxRequestSize());
        assertEquals("1048576", defaults.streamsProperties().get("producer.max.request.size"));
        assertEquals("lz4", defaults.streamsProperties().get("producer.compression.type"));
        assertDoesNotThrow(() -> RecordLimits.requireFit(defaults, GREY_28));
    }

    /** The old default: a record just under it was accepted, and its dead letter never written. */
    @Test
    void payloadBoundBeyondWhatTheProducerWritesStopsTheStartNamingTheKeys() {
        AppConfig config = config(Map.of("max.payload.bytes", "1048576"));

        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () -> RecordLimits.requireFit(config, GREY_28));

        assertTrue(e.getMessage().startsWith("max.payload.bytes=1048576"), e.getMessage());
        assertTrue(e.getMessage().contains("max.request.size=1048576"), e.getMessage());
    }

    @Test
    void aLargerProducerRequestSizeMakesRoomForLargerPayloads() {
        AppConfig config =
                config(
                        Map.of(
                                "max.payload.bytes", "1048576",
                                "kafka.producer.max.request.size", "2097152"));

        assertEquals(2_097_152, config.producerMaxRequestSize());
        assertDoesNotThrow(() -> RecordLimits.requireFit(config, GREY_28));
    }

    @Test
    void deadLetterPrefixBeyondWhatTheProducerWritesStopsTheStart() {
        AppConfig config =
                config(Map.of("max.payload.bytes", "1000", "dlq.max.value.bytes", "1048576"));

        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () -> RecordLimits.requireFit(config, GREY_28));

        assertTrue(e.getMessage().startsWith("dlq.max.value.bytes=1048576"), e.getMessage());
    }

    @Test
    void decodedPixelsCountAgainstTheProducersLimit() {
        AppConfig defaults = config(Map.of());

        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () -> RecordLimits.requireFit(defaults, 256 * 256 * 3));

        assertTrue(e.getMessage().contains("196608 pixel bytes"), e.getMessage());
    }

    @Test
    void unreadableProducerRequestSizeIsReportedByItsKey() {
        AppConfig config = config(Map.of("kafka.max.request.size", "lots"));

        InvalidConfigException e =
                assertThrows(InvalidConfigException.class, config::producerMaxRequestSize);

        assertTrue(e.getMessage().contains("kafka.max.request.size"), e.getMessage());
    }
}
