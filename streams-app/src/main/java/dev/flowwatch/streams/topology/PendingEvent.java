package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEvent;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.ByteBuffer;

/**
 * A validated event waiting in the batching store, with what is needed to emit its score as if it
 * had never waited: the record key (bytes, so the output key is the input key bit for bit), the
 * record timestamp, and the wall-clock time it was queued, which drives the delay-based flush and
 * survives a restart in the store's changelog.
 *
 * <p>Stored as: version byte, enqueued-at millis, record timestamp, key length (-1 for none), key,
 * the event in Avro single-object encoding.
 */
record PendingEvent(byte[] key, long recordTimestamp, long enqueuedAtMs, ImageEvent event) {

    private static final byte VERSION = 1;
    private static final int HEADER = 1 + 8 + 8 + 4;
    private static final Serializer<ImageEvent> SERIALIZER =
            FlowwatchSerdes.imageEvent().serializer();
    private static final Deserializer<ImageEvent> DESERIALIZER =
            FlowwatchSerdes.imageEvent().deserializer();

    byte[] toBytes() {
        byte[] body = SERIALIZER.serialize(null, event);
        int keyLength = key == null ? 0 : key.length;
        ByteBuffer out =
                ByteBuffer.allocate(HEADER + keyLength + body.length)
                        .put(VERSION)
                        .putLong(enqueuedAtMs)
                        .putLong(recordTimestamp)
                        .putInt(key == null ? -1 : key.length);
        if (key != null) {
            out.put(key);
        }
        return out.put(body).array();
    }

    static PendingEvent fromBytes(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte version = in.get();
        if (version != VERSION) {
            throw new IllegalStateException(
                    "pending event stored in format " + version + ", this app reads " + VERSION);
        }
        long enqueuedAt = in.getLong();
        long timestamp = in.getLong();
        int keyLength = in.getInt();
        byte[] key = null;
        if (keyLength >= 0) {
            key = new byte[keyLength];
            in.get(key);
        }
        byte[] body = new byte[in.remaining()];
        in.get(body);
        return new PendingEvent(key, timestamp, enqueuedAt, DESERIALIZER.deserialize(null, body));
    }

    /** Wall-clock enqueue time of a stored entry without decoding the event. */
    static long enqueuedAtMs(byte[] bytes) {
        return ByteBuffer.wrap(bytes, 1, 8).getLong();
    }
}
