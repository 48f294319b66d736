package dev.flowwatch.streams.topology;

import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEvent;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A valid event on its way to a batch: the image decoded to the model's shape, which is scored,
 * and the input record's value as it was read, which is what its dead letter must carry should
 * the model fail to score it (a PNG stays the PNG its producer sent, not the pixels it decoded to).
 *
 * <p>Written to the batching topic and the batching store as: format byte (1), the decoded event's
 * length (4 bytes, big-endian), the decoded event in Avro single-object encoding, then the original
 * value. Records and store entries written before originals were kept are a bare single-object
 * event (first byte {@code C3}); they read as an event that is its own original.
 *
 * @param event the image as RAW_U8 (HWC) of the model's shape
 * @param original the input record's value
 */
record ValidatedEvent(ImageEvent event, byte[] original) {

    private static final byte FORMAT = 1;
    private static final byte SINGLE_OBJECT_MARKER = (byte) 0xC3;
    private static final Serializer<ImageEvent> EVENT_SERIALIZER =
            FlowwatchSerdes.imageEvent().serializer();
    private static final Deserializer<ImageEvent> EVENT_DESERIALIZER =
            FlowwatchSerdes.imageEvent().deserializer();

    ValidatedEvent {
        Objects.requireNonNull(event);
        Objects.requireNonNull(original);
    }

    byte[] toBytes() {
        byte[] decoded = EVENT_SERIALIZER.serialize(null, event);
        return ByteBuffer.allocate(1 + Integer.BYTES + decoded.length + original.length)
                .put(FORMAT)
                .putInt(decoded.length)
                .put(decoded)
                .put(original)
                .array();
    }

    /**
     * @param topic where the bytes were read, for messages
     * @throws SerializationException if the bytes are neither format, with {@link
     *     dev.flowwatch.schemas.MessageDecodingException} for an event that does not decode
     */
    static ValidatedEvent fromBytes(String topic, byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new SerializationException("No validated event in an empty value on " + topic);
        }
        if (bytes[0] == SINGLE_OBJECT_MARKER) {
            return new ValidatedEvent(EVENT_DESERIALIZER.deserialize(topic, bytes), bytes);
        }
        if (bytes[0] != FORMAT) {
            throw new SerializationException(
                    String.format(
                            "Validated event on %s in format 0x%02X; this app reads 0x%02X and"
                                    + " bare single-object events",
                            topic, bytes[0], FORMAT));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        int length = in.remaining() >= Integer.BYTES ? in.getInt() : -1;
        if (length < 0 || length > in.remaining()) {
            throw new SerializationException(
                    String.format(
                            "Validated event on %s claims %d bytes of event in a value of %d",
                            topic, length, bytes.length));
        }
        byte[] decoded = new byte[length];
        in.get(decoded);
        byte[] original = new byte[in.remaining()];
        in.get(original);
        return new ValidatedEvent(EVENT_DESERIALIZER.deserialize(topic, decoded), original);
    }

    /** The batching topic's value serializer. */
    static Serializer<ValidatedEvent> serializer() {
        return (topic, validated) -> validated == null ? null : validated.toBytes();
    }

    /** The batching topic's value deserializer. */
    static Deserializer<ValidatedEvent> deserializer() {
        return ValidatedEvent::fromBytes;
    }
}
