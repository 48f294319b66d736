package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.ImageEvent;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.ByteUtils;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

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
 * each header's name length, name (UTF-8), value length (-1 for none) and value, the lengths as
 * varints, the {@link ValidatedEvent}; version 3 is the same without the headers (written still for
 * an event without, as earlier versions wrote every event); version 2, whose event is a bare
 * single-object event (which {@link ValidatedEvent} reads as its own original), and version 1,
 * which lacks the four source fields too and reads as {@link SourceRecord#UNKNOWN}.
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

    /**
     * In format 3 while there are no headers, which the version before this one reads too: during a
     * rolling upgrade a task may move back to a pod of it. Header lengths are varints, as Kafka
     * writes them, so that the headers take here what {@link RecordLimits#sizeOf} counted.
     */
    byte[] toBytes() {
        byte[] body = validated.toBytes();
        byte[] topic = source.topic().getBytes(StandardCharsets.UTF_8);
        int keyLength = key == null ? 0 : key.length;
        boolean withHeaders = headers.iterator().hasNext();
        int headerBytes = withHeaders ? RecordLimits.sizeOf(null, headers) + 4 : 0;
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
                        .put(withHeaders ? VERSION : VERSION_WITHOUT_HEADERS)
                        .putLong(enqueuedAtMs)
                        .putLong(recordTimestamp)
                        .putInt(key == null ? -1 : key.length);
        if (key != null) {
            out.put(key);
        }
        out.putInt(topic.length).put(topic).putInt(source.partition()).putLong(source.offset());
        if (withHeaders) {
            out.putInt(headers.toArray().length);
            for (Header h : headers) {
                byte[] name = h.key().getBytes(StandardCharsets.UTF_8);
                ByteUtils.writeVarint(name.length, out);
                out.put(name);
                if (h.value() == null) {
                    ByteUtils.writeVarint(-1, out);
                } else {
                    ByteUtils.writeVarint(h.value().length, out);
                    out.put(h.value());
                }
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
                byte[] name = new byte[ByteUtils.readVarint(in)];
                in.get(name);
                int length = ByteUtils.readVarint(in);
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
