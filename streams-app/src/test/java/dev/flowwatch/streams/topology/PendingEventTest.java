package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.flowwatch.streams.TestModels;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

class PendingEventTest {

    @Test
    void theInputRecordsHeadersAreKeptNullValuesIncluded() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("apicurio.value.globalId", new byte[] {0, 0, 0, 0, 0, 0, 0, 42});
        headers.add("no-value", null);
        headers.add("no-value", "twice".getBytes(StandardCharsets.UTF_8));
        PendingEvent event =
                new PendingEvent(
                        TopologyFixture.key("k"),
                        7,
                        1_000,
                        new SourceRecord("images", 2, 99),
                        headers,
                        BatchingStep.validated(TestModels.event("e", 1)));

        PendingEvent read = PendingEvent.fromBytes(event.toBytes());

        List<Header> kept = List.of(read.headers().toArray());
        assertEquals(3, kept.size());
        assertEquals("apicurio.value.globalId", kept.get(0).key());
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 42}, kept.get(0).value());
        assertEquals("no-value", kept.get(1).key());
        assertNull(kept.get(1).value());
        assertEquals("twice", new String(kept.get(2).value(), StandardCharsets.UTF_8));
        assertEquals(new SourceRecord("images", 2, 99), read.source());
        assertEquals("e", read.event().getId());
        assertEquals(7, read.recordTimestamp());
    }

    /**
     * Header lengths are stored as the producer writes them, so that the changelog's record is no
     * larger than validation counted: 4096 headers of nothing take 8192 bytes (two each), not 32
     * 768.
     */
    @Test
    void headersTakeTheBytesValidationCountedThem() {
        RecordHeaders many = new RecordHeaders();
        for (int i = 0; i < 4096; i++) {
            many.add("", null);
        }
        assertEquals(8192, RecordLimits.sizeOf(null, many));
        int without = pending(new RecordHeaders()).toBytes().length;
        byte[] with = pending(many).toBytes();

        assertEquals(without + 4 + 8192, with.length, "a count, then the headers");
        assertEquals(4096, PendingEvent.fromBytes(with).headers().toArray().length);
    }

    /** Events without headers are written as the version before this one reads them. */
    @Test
    void anEventWithoutHeadersIsStoredInTheFormerFormat() {
        assertEquals(3, pending(new RecordHeaders()).toBytes()[0]);
    }

    private static PendingEvent pending(RecordHeaders headers) {
        return new PendingEvent(
                TopologyFixture.key("k"),
                7,
                1_000,
                new SourceRecord("images", 2, 99),
                headers,
                BatchingStep.validated(TestModels.event("e", 1)));
    }

    /** Changelogs written before headers were kept restore as events without. */
    @Test
    void eventsStoredWithoutHeadersReadWithNone() {
        byte[] key = TopologyFixture.key("k");
        byte[] topic = "images".getBytes(StandardCharsets.UTF_8);
        byte[] body = BatchingStep.validated(TestModels.event("e", 1)).toBytes();
        byte[] version3 =
                ByteBuffer.allocate(
                                1 + 8 + 8 + 4 + key.length + 4 + topic.length + 4 + 8 + body.length)
                        .put((byte) 3)
                        .putLong(1_000)
                        .putLong(7)
                        .putInt(key.length)
                        .put(key)
                        .putInt(topic.length)
                        .put(topic)
                        .putInt(2)
                        .putLong(99)
                        .put(body)
                        .array();

        PendingEvent read = PendingEvent.fromBytes(version3);

        assertFalse(read.headers().iterator().hasNext());
        assertEquals(new SourceRecord("images", 2, 99), read.source());
        assertEquals("e", read.event().getId());
    }
}
