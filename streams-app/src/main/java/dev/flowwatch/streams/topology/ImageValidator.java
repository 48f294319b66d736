package dev.flowwatch.streams.topology;

import dev.flowwatch.flowpp.data.ImageDecoder;
import dev.flowwatch.flowpp.data.RefusedImageException;
import dev.flowwatch.schemas.ImageEncoding;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.MessageDecodingException;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns the bytes of a record into an event the model can score, or says why it cannot.
 *
 * <p>A valid event leaves here as RAW_U8 of exactly the model's shape, whatever its encoding on the
 * wire, so that batching and scoring deal with one layout only. Grey and RGB images are accepted
 * only as what they are: a colour image for a grey model (or the reverse) is {@link
 * DlqReason#WRONG_SHAPE}, since converting would score something other than what was sent. PNG and
 * JPEG images are read as the trainer reads them ({@link ImageDecoder}).
 */
public final class ImageValidator {

    private static final byte[] PNG_SIGNATURE = {
        (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'
    };
    private static final byte[] JPEG_SIGNATURE = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};

    private final int channels;
    private final int height;
    private final int width;
    private final int maxPayloadBytes;
    private final Deserializer<ImageEvent> deserializer;

    /**
     * Validates against a model of {@code channels x height x width} (CxHxW) images.
     *
     * @param deserializer reads the records' bytes in the wire format the app is configured for
     */
    public ImageValidator(
            int channels,
            int height,
            int width,
            int maxPayloadBytes,
            Deserializer<ImageEvent> deserializer) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.maxPayloadBytes = maxPayloadBytes;
        this.deserializer = deserializer;
    }

    /**
     * @param topic where the bytes were read, for messages
     * @param headers the record's headers, which may name the writer schema in a registry
     * @return the event with its image as RAW_U8 (HWC) of the model's shape
     * @throws dev.flowwatch.schemas.SchemaRegistryUnavailableException if the registry cannot say
     *     what the bytes are: the record's fate is undecided, so it must be read again
     */
    public ImageEvent validate(String topic, Headers headers, byte[] value)
            throws InvalidEventException {
        if (value == null || value.length == 0) {
            throw new InvalidEventException(DlqReason.EMPTY_PAYLOAD, "The record has no value.");
        }
        if (value.length > maxPayloadBytes) {
            throw new InvalidEventException(
                    DlqReason.OVERSIZE_PAYLOAD,
                    "The record has "
                            + value.length
                            + " bytes, more than max.payload.bytes="
                            + maxPayloadBytes
                            + ".");
        }
        ImageEvent event = decode(topic, headers, value);
        requireSmallFields(event);
        byte[] data = bytes(event.getData());
        byte[] pixels =
                switch (event.getEncoding()) {
                    case RAW_U8 -> checkRaw(event, data);
                    case PNG -> decodeCompressed(event, data, PNG_SIGNATURE);
                    case JPEG -> decodeCompressed(event, data, JPEG_SIGNATURE);
                };
        return ImageEvent.newBuilder(event)
                .setWidth(width)
                .setHeight(height)
                .setChannels(channels)
                .setEncoding(ImageEncoding.RAW_U8)
                .setData(ByteBuffer.wrap(pixels))
                .build();
    }

    private ImageEvent decode(String topic, Headers headers, byte[] value)
            throws InvalidEventException {
        try {
            return deserializer.deserialize(topic, headers, value);
        } catch (MessageDecodingException e) {
            throw new InvalidEventException(reasonFor(e), e.problem() + ": " + e.getMessage());
        }
    }

    /**
     * UNKNOWN_SCHEMA for a writer schema this app does not know or cannot read, else
     * MALFORMED_MESSAGE.
     */
    static DlqReason reasonFor(MessageDecodingException e) {
        return switch (e.problem()) {
            case UNKNOWN_FINGERPRINT, UNKNOWN_SCHEMA_ID, INCOMPATIBLE_SCHEMA ->
                    DlqReason.UNKNOWN_SCHEMA;
            default -> DlqReason.MALFORMED_MESSAGE;
        };
    }

    /**
     * A valid event travels to its batch as its decoded image plus the value it came in (the
     * original for its dead letter), so fields beside the image are carried twice; bounding them
     * keeps that record within what {@link RecordLimits} lets the producer write.
     */
    private static void requireSmallFields(ImageEvent event) throws InvalidEventException {
        long size = utf8Length(event.getId()) + utf8Length(event.getSource());
        for (var attribute : event.getAttributes().entrySet()) {
            size += utf8Length(attribute.getKey()) + utf8Length(attribute.getValue());
        }
        if (size > RecordLimits.MAX_EVENT_FIELDS_BYTES) {
            throw new InvalidEventException(
                    DlqReason.OVERSIZE_PAYLOAD,
                    "The event's id, source and attributes have "
                            + size
                            + " bytes, more than the "
                            + RecordLimits.MAX_EVENT_FIELDS_BYTES
                            + " an event may carry besides its image.");
        }
    }

    private static long utf8Length(CharSequence text) {
        return text == null ? 0 : text.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    private byte[] checkRaw(ImageEvent event, byte[] data) throws InvalidEventException {
        long expected = (long) event.getWidth() * event.getHeight() * event.getChannels();
        if (event.getWidth() <= 0
                || event.getHeight() <= 0
                || event.getChannels() <= 0
                || data.length != expected) {
            throw new InvalidEventException(
                    DlqReason.BAD_IMAGE_BYTES,
                    String.format(
                            "RAW_U8 image of width=%d height=%d channels=%d needs %d bytes, the"
                                    + " event has %d.",
                            event.getWidth(),
                            event.getHeight(),
                            event.getChannels(),
                            expected,
                            data.length));
        }
        requireModelShape(event.getWidth(), event.getHeight(), event.getChannels(), "RAW_U8 image");
        return data;
    }

    private byte[] decodeCompressed(ImageEvent event, byte[] data, byte[] signature)
            throws InvalidEventException {
        String format = event.getEncoding().name();
        if (!startsWith(data, signature)) {
            throw new InvalidEventException(
                    DlqReason.BAD_ENCODING,
                    "The event declares "
                            + format
                            + " but its data does not start with the "
                            + format
                            + " signature.");
        }
        try (ImageDecoder decoder =
                ImageDecoder.open(
                        new MemoryCacheImageInputStream(new ByteArrayInputStream(data)),
                        ImageDecoder.Format.valueOf(format))) {
            // the header alone first: a 368-byte JPEG may claim 46340x46340 pixels, a PNG of
            // zeros inflate to gigabytes; only the model's shape is decoded
            ImageDecoder.Header header = decoder.header();
            requireModelShape(
                    header.width(), header.height(), header.channels(), format + " image");
            checkDeclaredShape(event, format);
            return decoder.pixels();
        } catch (RefusedImageException e) {
            throw new InvalidEventException(
                    e.problem() == RefusedImageException.Problem.COLOURS
                            ? DlqReason.WRONG_SHAPE
                            : DlqReason.BAD_IMAGE_BYTES,
                    e.getMessage());
        }
    }

    private void checkDeclaredShape(ImageEvent event, String format) throws InvalidEventException {
        if (event.getWidth() != width
                || event.getHeight() != height
                || event.getChannels() != channels) {
            throw new InvalidEventException(
                    DlqReason.BAD_IMAGE_BYTES,
                    String.format(
                            "The event says width=%d height=%d channels=%d but its %s image is"
                                    + " %dx%dx%d.",
                            event.getWidth(),
                            event.getHeight(),
                            event.getChannels(),
                            format,
                            width,
                            height,
                            channels));
        }
    }

    private void requireModelShape(int w, int h, int c, String what) throws InvalidEventException {
        if (w != width || h != height || c != channels) {
            throw new InvalidEventException(
                    DlqReason.WRONG_SHAPE,
                    String.format(
                            "The %s is %dx%d with %d channel(s); the model takes %dx%d %s images.",
                            what, w, h, c, width, height, kind(channels)));
        }
    }

    private static String kind(int channels) {
        return channels == 1 ? "grey" : channels == 3 ? "RGB" : channels + "-channel";
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
