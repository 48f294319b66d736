package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.ImageEvent;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated event waiting in the batching store, with what is needed to emit its score as if it
 * had never waited: the record key (bytes, so the output key is the input key bit for bit), the
 * record timestamp, and the wall-clock time it was queued, which drives the delay-based flush and
 * survives a restart in the store's changelog; and where it was read, which its dead letter names
 * if it cannot be scored.
 *
 * <p>The input record's headers are kept too (validation bounds them), so that a dead letter of
 * this step, and its replay, carries them: a registry's framing may be in them.
 *
 * <p>Stored as: version byte (4), enqueued-at millis, record timestamp, key length (-1 for none),
 * key, source topic length, source topic (UTF-8), source partition, source offset, header count,
 * each header's name length, name (UTF-8), value length (-1 for none) and value, the {@link
 * ValidatedEvent}. Changelogs written by earlier versions still hold version 3, without headers,
 * version 2, whose event is a bare single-object event (which {@link ValidatedEvent} reads as its
 * own original), and version 1, which lacks the four source fields too and reads as {@link
 * SourceRecord#UNKNOWN}.
 */
record PendingEvent(
        byte[] key,
        long recordTimestamp,
        long enqueuedAtMs,
        SourceRecord source,
        Headers headers,
        ValidatedEvent validated) {

    private static final byte VERSION_WITHOUT_SOURCE = 1;
    private static final byte VERSION_WITHOUT_ORIGINAL = 2;
    private static final byte VERSION_WITHOUT_HEADERS = 3;
    private static final byte VERSION = 4;

    /** An event whose input record had no headers. */
    PendingEvent(
            byte[] key,
            long recordTimestamp,
            long enqueuedAtMs,
            SourceRecord source,
            ValidatedEvent validated) {
        this(key, recordTimestamp, enqueuedAtMs, source, new RecordHeaders(), validated);
    }

    byte[] toBytes() {
        byte[] body = validated.toBytes();
        byte[] topic = source.topic().getBytes(StandardCharsets.UTF_8);
        int keyLength = key == null ? 0 : key.length;
        List<byte[]> names = new ArrayList<>();
        int headerBytes = 4;
        for (Header h : headers) {
            byte[] name = h.key().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            headerBytes += 4 + name.length + 4 + (h.value() == null ? 0 : h.value().length);
        }
        ByteBuffer out =
                ByteBuffer.allocate(
                                1
                                        + 8
                                        + 8
                                        + 4
                                        + keyLength
                                        + 4
                                        + topic.length
                                        + 4
                                        + 8
                                        + headerBytes
                                        + body.length)
                        .put(VERSION)
                        .putLong(enqueuedAtMs)
                        .putLong(recordTimestamp)
                        .putInt(key == null ? -1 : key.length);
        if (key != null) {
            out.put(key);
        }
        out.putInt(topic.length).put(topic).putInt(source.partition()).putLong(source.offset());
        out.putInt(names.size());
        int i = 0;
        for (Header h : headers) {
            byte[] name = names.get(i++);
            out.putInt(name.length).put(name);
            if (h.value() == null) {
                out.putInt(-1);
            } else {
                out.putInt(h.value().length).put(h.value());
            }
        }
        return out.put(body).array();
    }

    ImageEvent event() {
        return validated.event();
    }

    /**
     * @throws IllegalStateException if the bytes are of an unknown version
     * @throws RuntimeException if they are not a pending event (corrupt or foreign)
     */
    static PendingEvent fromBytes(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte version = in.get();
        if (version < VERSION_WITHOUT_SOURCE || version > VERSION) {
            throw new IllegalStateException(
                    "pending event stored in format "
                            + version
                            + ", this app reads "
                            + VERSION_WITHOUT_SOURCE
                            + " to "
                            + VERSION);
        }
        long enqueuedAt = in.getLong();
        long timestamp = in.getLong();
        int keyLength = in.getInt();
        byte[] key = null;
        if (keyLength >= 0) {
            key = new byte[keyLength];
            in.get(key);
        }
        SourceRecord source = SourceRecord.UNKNOWN;
        if (version >= VERSION_WITHOUT_ORIGINAL) {
            byte[] topic = new byte[in.getInt()];
            in.get(topic);
            source =
                    new SourceRecord(
                            new String(topic, StandardCharsets.UTF_8), in.getInt(), in.getLong());
        }
        Headers headers = new RecordHeaders();
        if (version > VERSION_WITHOUT_HEADERS) {
            int count = in.getInt();
            for (int h = 0; h < count; h++) {
                byte[] name = new byte[in.getInt()];
                in.get(name);
                int length = in.getInt();
                byte[] value = null;
                if (length >= 0) {
                    value = new byte[length];
                    in.get(value);
                }
                headers.add(new String(name, StandardCharsets.UTF_8), value);
            }
        }
        byte[] body = new byte[in.remaining()];
        in.get(body);
        return new PendingEvent(
                key,
                timestamp,
                enqueuedAt,
                source,
                headers,
                ValidatedEvent.fromBytes(BatchingProcessor.STORE, body));
    }

    /**
     * Wall-clock enqueue time of a stored entry without decoding the event; 0 (due at once, so that
     * the flush sends it to the dead-letter topic) for an entry too short to hold one.
     */
    static long enqueuedAtMs(byte[] bytes) {
        return bytes.length < 1 + Long.BYTES ? 0 : ByteBuffer.wrap(bytes, 1, 8).getLong();
    }
}
