package dev.flowwatch.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Named.named;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

class AvroSerdeTest {

    private static final String TOPIC = "t";

    static Stream<Arguments> recordsWithTheirSerdes() {
        return Stream.of(
                Arguments.of(
                        named("ImageEvent", FlowwatchSerdes.imageEvent()), Samples.imageEvent()),
                Arguments.of(
                        named("AnomalyScore", FlowwatchSerdes.anomalyScore()),
                        Samples.anomalyScore()),
                Arguments.of(
                        named("AnomalyAlert", FlowwatchSerdes.anomalyAlert()),
                        Samples.anomalyAlert()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordsWithTheirSerdes")
    <T extends SpecificRecord> void recordSurvivesRoundTrip(AvroSerde<T> serde, T record) {
        byte[] bytes = serde.serializer().serialize(TOPIC, record);

        assertEquals(record, serde.deserializer().deserialize(TOPIC, bytes));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordsWithTheirSerdes")
    <T extends SpecificRecord> void bytesStartWithSingleObjectMarker(AvroSerde<T> serde, T record) {
        byte[] bytes = serde.serializer().serialize(TOPIC, record);

        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordsWithTheirSerdes")
    <T extends SpecificRecord> void nullIsATombstoneBothWays(AvroSerde<T> serde, T record) {
        assertNull(serde.serializer().serialize(TOPIC, null));
        assertNull(serde.deserializer().deserialize(TOPIC, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordsWithTheirSerdes")
    <T extends SpecificRecord> void oneSerdeServesManyThreadsAlike(AvroSerde<T> serde, T record)
            throws Exception {
        byte[] expected = serde.serializer().serialize(TOPIC, record);
        Callable<Void> roundTrips =
                () -> {
                    for (int i = 0; i < 200; i++) {
                        byte[] bytes = serde.serializer().serialize(TOPIC, record);
                        assertArrayEquals(expected, bytes);
                        assertEquals(record, serde.deserializer().deserialize(TOPIC, bytes));
                    }
                    return null;
                };
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Void>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(roundTrips));
            }
            for (Future<Void> result : results) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void recordMissingARequiredFieldFailsAsSerializationException() {
        SerializationException e =
                assertThrows(
                        SerializationException.class,
                        () ->
                                FlowwatchSerdes.anomalyAlert()
                                        .serializer()
                                        .serialize(TOPIC, new AnomalyAlert()));

        assertTrue(
                e.getMessage().startsWith("Cannot serialize AnomalyAlert for topic t"),
                e.getMessage());
    }
}
