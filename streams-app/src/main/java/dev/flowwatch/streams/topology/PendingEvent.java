package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEvent;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A validated event waiting in the batching store, with what is needed to emit its score as if it
 * had never waited: the record key (bytes, so the output key is the input key bit for bit), the
 * record timestamp, and the wall-clock time it was queued, which drives the delay-based flush and
 * survives a restart in the store's changelog; and where it was read, which its dead letter names
 * if it cannot be scored.
 *
 * <p>Stored as: version byte (2), enqueued-at millis, record timestamp, key length (-1 for none),
 * key, source topic length, source topic (UTF-8), source partition, source offset, the event in
 * Avro single-object encoding. Version 1, which changelogs written before the source was kept
 * still hold, lacks the four source fields and reads as {@link SourceRecord#UNKNOWN}.
 */
record PendingEvent(
        byte[] key,
        long recordTimestamp,
        long enqueuedAtMs,
        SourceRecord source,
        ImageEvent event) {

    private static final byte VERSION_WITHOUT_SOURCE = 1;
    private static final byte VERSION = 2;
    private static final Serializer<ImageEvent> SERIALIZER =
            FlowwatchSerdes.imageEvent().serializer();
    private static final Deserializer<ImageEvent> DESERIALIZER =
            FlowwatchSerdes.imageEvent().deserializer();

    byte[] toBytes() {
        byte[] body = eventBytes();
        byte[] topic = source.topic().getBytes(StandardCharsets.UTF_8);
        int keyLength = key == null ? 0 : key.length;
        ByteBuffer out =
                ByteBuffer.allocate(
                                1 + 8 + 8 + 4 + keyLength + 4 + topic.length + 4 + 8 + body.length)
                        .put(VERSION)
                        .putLong(enqueuedAtMs)
                        .putLong(recordTimestamp)
                        .putInt(key == null ? -1 : key.length);
        if (key != null) {
            out.put(key);
        }
        return out.putInt(topic.length)
                .put(topic)
                .putInt(source.partition())
                .putLong(source.offset())
                .put(body)
                .array();
    }

    /** The event in Avro single-object encoding, as the images topic takes it. */
    byte[] eventBytes() {
        return SERIALIZER.serialize(null, event);
    }

    /**
     * @throws IllegalStateException if the bytes are of an unknown version
     * @throws RuntimeException if they are not a pending event (corrupt or foreign)
     */
    static PendingEvent fromBytes(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte version = in.get();
        if (version != VERSION && version != VERSION_WITHOUT_SOURCE) {
            throw new IllegalStateException(
                    "pending event stored in format "
                            + version
                            + ", this app reads "
                            + VERSION_WITHOUT_SOURCE
                            + " and "
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
        if (version == VERSION) {
            byte[] topic = new byte[in.getInt()];
            in.get(topic);
            source =
                    new SourceRecord(
                            new String(topic, StandardCharsets.UTF_8), in.getInt(), in.getLong());
        }
        byte[] body = new byte[in.remaining()];
        in.get(body);
        return new PendingEvent(
                key, timestamp, enqueuedAt, source, DESERIALIZER.deserialize(null, body));
    }

    /**
     * Wall-clock enqueue time of a stored entry without decoding the event; 0 (due at once, so
     * that the flush sends it to the dead-letter topic) for an entry too short to hold one.
     */
    static long enqueuedAtMs(byte[] bytes) {
        return bytes.length < 1 + Long.BYTES ? 0 : ByteBuffer.wrap(bytes, 1, 8).getLong();
    }
}
