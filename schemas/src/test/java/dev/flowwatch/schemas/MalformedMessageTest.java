package dev.flowwatch.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.schemas.MessageDecodingException.Problem;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
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

    @Test
    void stringClaimingTwoGibibytesFailsWithoutAllocatingItInAnyJvm() {
        // The bound must come from the deserializer, not from Avro's JVM-wide properties.
        assertNull(System.getProperty("org.apache.avro.limits.string.maxLength"));
        byte[] fifteenBytes = body(out -> writeLong(out, Integer.MAX_VALUE - 15));
        assertEquals(15, fifteenBytes.length);

        MessageDecodingException e = decodingFailsAllocatingLittle(fifteenBytes);

        assertEquals(Problem.UNDECODABLE_BODY, e.problem());
        assertTrue(e.getMessage().contains("claims 2147483632 bytes"), e.getMessage());
    }

    @Test
    void bytesClaimingTwoGibibytesFailWithoutAllocatingThem() {
        assertNull(System.getProperty("org.apache.avro.limits.bytes.maxLength"));
        byte[] bytes =
                body(
                        out -> {
                            writeFieldsBeforeData(out);
                            writeLong(out, Integer.MAX_VALUE - 8);
                        });

        assertEquals(Problem.UNDECODABLE_BODY, decodingFailsAllocatingLittle(bytes).problem());
    }

    @Test
    void mapClaimingTwoBillionEntriesFailsWithoutAllocatingThem() {
        assertNull(System.getProperty("org.apache.avro.limits.collectionItems.maxLength"));
        byte[] bytes =
                body(
                        out -> {
                            writeFieldsBeforeData(out);
                            writeLong(out, 1);
                            out.write(0);
                            writeLong(out, Integer.MAX_VALUE - 8);
                        });

        MessageDecodingException e = decodingFailsAllocatingLittle(bytes);

        assertEquals(Problem.UNDECODABLE_BODY, e.problem());
        assertTrue(e.getMessage().contains("items"), e.getMessage());
    }

    @Test
    void collectionsOfItemsWithoutBytesCannotClaimMoreItemsThanTheMessageHasBytes() {
        // a writer schema a registry may hold: an extra array of nulls, which the reader skips
        Schema writer =
                SchemaBuilder.record("R")
                        .fields()
                        .name("x")
                        .type()
                        .array()
                        .items()
                        .nullType()
                        .noDefault()
                        .name("y")
                        .type()
                        .intType()
                        .noDefault()
                        .endRecord();
        Schema reader =
                SchemaBuilder.record("R")
                        .fields()
                        .name("y")
                        .type()
                        .intType()
                        .noDefault()
                        .endRecord();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int blocks = 2000;
        for (int i = 0; i < blocks; i++) {
            // each block as many items as the bytes left after it: each passes the block's bound
            writeLong(out, Math.min(60, blocks - i + 1));
        }
        writeLong(out, 0);
        writeLong(out, 7);
        byte[] body = out.toByteArray();

        MessageDecodingException e =
                assertThrows(
                        MessageDecodingException.class,
                        () ->
                                AvroBody.read(
                                        new GenericDatumReader<GenericRecord>(writer, reader),
                                        "R",
                                        "images",
                                        body,
                                        0));
        assertTrue(e.getMessage().contains("items in all"), e.getMessage());
    }

    /** Decoding fails having allocated less than 1 MiB on this thread. */
    private MessageDecodingException decodingFailsAllocatingLittle(byte[] bytes) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        MessageDecodingException e = decodingFails(bytes);
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertTrue(allocated < (1 << 20), "decoding allocated " + allocated + " bytes");
        return e;
    }

    /** The single-object header of the current ImageEvent schema, then the body written. */
    private byte[] body(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(valid, 0, MessageDecodingException.HEADER_LENGTH);
        body.write(out);
        return out.toByteArray();
    }

    /** id, source, event_time, width, height, channels and encoding: all small and valid. */
    private static void writeFieldsBeforeData(ByteArrayOutputStream out) {
        for (String s : new String[] {"id", "cam"}) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            writeLong(out, utf8.length);
            out.write(utf8, 0, utf8.length);
        }
        for (int i = 0; i < 5; i++) {
            writeLong(out, 1);
        }
    }

    /** Avro's long: zig-zag, then 7 bits a byte, least significant first. */
    private static void writeLong(ByteArrayOutputStream out, long value) {
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
    }

    private interface Body {
        void write(ByteArrayOutputStream out);
    }
}
