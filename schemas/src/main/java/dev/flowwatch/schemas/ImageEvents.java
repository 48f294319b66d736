package dev.flowwatch.schemas;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/** Builds {@link ImageEvent}s for producers. */
public final class ImageEvents {

    private ImageEvents() {}

    /**
     * An event carrying raw unsigned 8-bit pixels, row-major with channels interleaved (HWC), as
     * {@link ImageEncoding#RAW_U8} requires. The pixels are copied, so the caller may reuse its
     * array.
     *
     * <p>The event time is truncated to milliseconds and the attributes are empty.
     *
     * @throws IllegalArgumentException if a dimension is not positive or {@code pixels} does not
     *     hold exactly {@code width * height * channels} bytes
     */
    public static ImageEvent rawU8(
            String id,
            String source,
            Instant eventTime,
            int width,
            int height,
            int channels,
            byte[] pixels) {
        if (width <= 0 || height <= 0 || channels <= 0) {
            throw new IllegalArgumentException(
                    String.format(
                            "Image shape must be positive, got width=%d height=%d channels=%d",
                            width, height, channels));
        }
        long expected = (long) width * height * channels;
        if (pixels.length != expected) {
            throw new IllegalArgumentException(
                    String.format(
                            "RAW_U8 image of width=%d height=%d channels=%d needs %d bytes, got %d",
                            width, height, channels, expected, pixels.length));
        }
        return ImageEvent.newBuilder()
                .setId(Objects.requireNonNull(id, "id"))
                .setSource(Objects.requireNonNull(source, "source"))
                // The wire keeps milliseconds; truncating here makes the event equal to what is
                // read back.
                .setEventTime(
                        Objects.requireNonNull(eventTime, "eventTime")
                                .truncatedTo(ChronoUnit.MILLIS))
                .setWidth(width)
                .setHeight(height)
                .setChannels(channels)
                .setEncoding(ImageEncoding.RAW_U8)
                .setData(ByteBuffer.wrap(pixels.clone()))
                .build();
    }
}
