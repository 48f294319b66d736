package dev.flowwatch.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.schemas.MessageDecodingException.Problem;

import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

class MalformedMessageTest {

    private static final String TOPIC = "images";
    private final Deserializer<ImageEvent> deserializer =
            FlowwatchSerdes.imageEvent().deserializer();
    private final byte[] valid =
            FlowwatchSerdes.imageEvent().serializer().serialize(TOPIC, Samples.imageEvent());

    private MessageDecodingException decodingFails(byte[] bytes) {
        return assertThrows(
                MessageDecodingException.class, () -> deserializer.deserialize(TOPIC, bytes));
    }

    @Test
    void unknownWriterSchemaIsReportedByItsFingerprintInHex() throws IOException {
        String fingerprint =
                String.format(
                        "0x%016X",
                        SchemaNormalization.parsingFingerprint64(
                                SchemaEvolutionTest.withOptionalDouble(
                                        ImageEvent.getClassSchema(), "exposure_ms")));

        MessageDecodingException e = decodingFails(SchemaEvolutionTest.v2Bytes());

        assertEquals(Problem.UNKNOWN_FINGERPRINT, e.problem());
        assertTrue(e.getMessage().contains(fingerprint), e.getMessage());
    }

    @Test
    void truncatedBodyIsUndecodable() {
        MessageDecodingException e = decodingFails(Arrays.copyOf(valid, valid.length - 3));

        assertEquals(Problem.UNDECODABLE_BODY, e.problem());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void garbageBodyBehindAValidHeaderIsUndecodable() {
        byte[] bytes = Arrays.copyOf(valid, valid.length);
        Arrays.fill(bytes, MessageDecodingException.HEADER_LENGTH, bytes.length, (byte) 0xFF);

        assertEquals(Problem.UNDECODABLE_BODY, decodingFails(bytes).problem());
    }

    @Test
    void bytesLeftAfterTheRecordAreRejected() {
        MessageDecodingException e = decodingFails(Arrays.copyOf(valid, valid.length + 2));

        assertEquals(Problem.TRAILING_BYTES, e.problem());
        assertTrue(e.getMessage().contains("2 of the message's"), e.getMessage());
    }

    @Test
    void bytesWithoutTheMarkerAreRejectedNamingWhatCameInstead() {
        byte[] json = "{\"id\":\"evt-1\",\"source\":\"cam\"}".getBytes();

        MessageDecodingException e = decodingFails(json);

        assertEquals(Problem.BAD_MARKER, e.problem());
        assertTrue(e.getMessage().contains("0x7B 0x22"), e.getMessage());
    }

    @Test
    void messageShorterThanTheHeaderIsTooShort() {
        MessageDecodingException e = decodingFails(new byte[] {(byte) 0xC3, 0x01, 0x42});

        assertEquals(Problem.TOO_SHORT, e.problem());
        assertTrue(e.getMessage().contains("3 bytes"), e.getMessage());
    }

    @Test
    void emptyMessageIsTooShort() {
        assertEquals(Problem.TOO_SHORT, decodingFails(new byte[0]).problem());
    }
}
