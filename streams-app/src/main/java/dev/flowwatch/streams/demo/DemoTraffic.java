package dev.flowwatch.streams.demo;

import dev.flowwatch.flowpp.data.ImageCorruptions;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.ImageEvents;

import org.apache.kafka.common.serialization.Serializer;

import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An endless, seeded sequence of demo records: normal images (cycling through a set in order) with
 * injected anomalies and malformed records at given rates. The same seed and sets give the same
 * sequence of ids, kinds and bytes; only event times come from the clock.
 */
public final class DemoTraffic implements Iterator<DemoRecord> {

    /** Rates as fractions of all records. */
    public record Mix(double anomalyRate, double malformedRate) {
        public static final Mix DEFAULT = new Mix(0.05, 0.01);

        public Mix {
            if (anomalyRate < 0 || malformedRate < 0 || anomalyRate + malformedRate > 1) {
                throw new IllegalArgumentException(
                        "anomaly and malformed rates must be >= 0 and sum to at most 1, got "
                                + anomalyRate
                                + " and "
                                + malformedRate);
            }
        }
    }

    private static final List<TrafficKind> ANOMALIES =
            List.of(
                    TrafficKind.MNIST,
                    TrafficKind.NOISE,
                    TrafficKind.INVERTED,
                    TrafficKind.OCCLUDED,
                    TrafficKind.BLURRED);
    private static final int SOURCES = 4;
    // Avro single-object encoding starts with these two bytes; garbage that carries them gets as
    // far as the schema lookup
    private static final byte[] SINGLE_OBJECT_MARKER = {(byte) 0xC3, 0x01};

    private final ImageSet normals;
    private final ImageSet digits;
    private final Mix mix;
    private final Random random;
    private final Clock clock;
    private final Serializer<ImageEvent> serializer;
    private long sequence;
    private int nextNormal;

    /**
     * @param normals in-distribution images, replayed in order and reused for the corrupted kinds
     * @param digits out-of-distribution images of the same shape (MNIST digits)
     */
    public DemoTraffic(ImageSet normals, ImageSet digits, Mix mix, long seed, Clock clock) {
        this(normals, digits, mix, seed, clock, FlowwatchSerdes.imageEvent().serializer());
    }

    /**
     * @param serializer writes the events: in single-object encoding above, or e.g. in a schema
     *     registry's frame
     */
    public DemoTraffic(
            ImageSet normals,
            ImageSet digits,
            Mix mix,
            long seed,
            Clock clock,
            Serializer<ImageEvent> serializer) {
        if (normals.size() == 0 || digits.size() == 0) {
            throw new IllegalArgumentException(
                    "demo traffic needs at least one normal and one digit image");
        }
        if (normals.channels() != digits.channels()
                || normals.height() != digits.height()
                || normals.width() != digits.width()) {
            throw new IllegalArgumentException(
                    "normal images (" + normals + ") and digits (" + digits + ") differ in shape");
        }
        this.normals = normals;
        this.digits = digits;
        this.mix = mix;
        this.random = new Random(seed);
        this.clock = clock;
        this.serializer = serializer;
    }

    @Override
    public boolean hasNext() {
        return true;
    }

    @Override
    public DemoRecord next() {
        double draw = random.nextDouble();
        TrafficKind kind;
        if (draw < mix.malformedRate()) {
            kind = random.nextBoolean() ? TrafficKind.GARBAGE : TrafficKind.WRONG_SHAPE;
        } else if (draw < mix.malformedRate() + mix.anomalyRate()) {
            kind = ANOMALIES.get(random.nextInt(ANOMALIES.size()));
        } else {
            kind = TrafficKind.NORMAL;
        }
        return next(kind);
    }

    /** The next record, of the given kind (tests pick kinds; the endless sequence draws them). */
    public DemoRecord next(TrafficKind kind) {
        long seq = sequence++;
        String source = "camera-" + (seq % SOURCES);
        int w = normals.width();
        int h = normals.height();
        int c = normals.channels();
        int image =
                kind == TrafficKind.MNIST ? random.nextInt(digits.size()) : nextNormalIndex(kind);
        String id = String.format("%s-%05d#%d", kind.prefix(), image, seq);
        var time = clock.instant();
        if (kind == TrafficKind.GARBAGE) {
            return new DemoRecord(source, garbage(), id, kind, time);
        }
        byte[] pixels =
                switch (kind) {
                    case NORMAL -> ImageCorruptions.hwc(normals, image);
                    case MNIST -> ImageCorruptions.hwc(digits, image);
                    case NOISE -> ImageCorruptions.uniformNoise(w * h * c, random);
                    case INVERTED -> ImageCorruptions.invert(ImageCorruptions.hwc(normals, image));
                    case OCCLUDED ->
                            ImageCorruptions.occlude(
                                    ImageCorruptions.hwc(normals, image), w, h, c, random);
                    case BLURRED ->
                            ImageCorruptions.blur(ImageCorruptions.hwc(normals, image), w, h, c);
                    // a plausible image with three channels where the model takes one (or one where
                    // it takes three)
                    case WRONG_SHAPE ->
                            ImageCorruptions.uniformNoise(w * h * wrongChannels(c), random);
                    case GARBAGE -> throw new AssertionError("handled above");
                };
        int channels = kind == TrafficKind.WRONG_SHAPE ? wrongChannels(c) : c;
        ImageEvent event = ImageEvents.rawU8(id, source, time, w, h, channels, pixels);
        if (kind != TrafficKind.NORMAL) {
            event.setAttributes(Map.of("injected", kind.label()));
        }
        return new DemoRecord(
                source, serializer.serialize(null, event), id, kind, event.getEventTime());
    }

    /** Normal events walk the set in order; corrupted ones take a random normal image. */
    private int nextNormalIndex(TrafficKind kind) {
        if (kind == TrafficKind.NORMAL) {
            int i = nextNormal;
            nextNormal = (nextNormal + 1) % normals.size();
            return i;
        }
        return random.nextInt(normals.size());
    }

    private byte[] garbage() {
        byte[] bytes = new byte[16 + random.nextInt(200)];
        random.nextBytes(bytes);
        if (random.nextBoolean()) {
            System.arraycopy(SINGLE_OBJECT_MARKER, 0, bytes, 0, SINGLE_OBJECT_MARKER.length);
        } else {
            // never the marker by accident: this half is garbage from the first byte
            bytes[0] = 0x00;
        }
        return bytes;
    }

    private static int wrongChannels(int channels) {
        return channels == 3 ? 1 : 3;
    }
}
