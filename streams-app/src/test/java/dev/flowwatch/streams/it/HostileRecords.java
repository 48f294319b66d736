package dev.flowwatch.streams.it;

import dev.flowwatch.schemas.FlowwatchSerdes;
import dev.flowwatch.schemas.ImageEncoding;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.streams.HostileImages;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.topology.DlqReason;
import dev.flowwatch.streams.topology.RecordLimits;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Records meant to break the scorer, interleaved with valid ones, each tagged with what must become
 * of it. Every record carries its id in its key ({@code <id>|...}) or, without a key, in the header
 * {@link #ID_HEADER}.
 */
final class HostileRecords {

    static final String ID_HEADER = "fuzz.id";

    /** What must become of a record. */
    enum Fate {
        /** Scored exactly once, never a dead letter. */
        SCORED,
        /** A dead letter exactly once, never scored. */
        DEAD,
        /** Exactly one of the two: a flipped bit may or may not leave a valid event. */
        EITHER
    }

    /** A kind of record, the fate it must meet and, for dead letters, the reasons allowed. */
    enum Kind {
        VALID_RAW(Fate.SCORED),
        VALID_PNG(Fate.SCORED),
        VALID_JPEG(Fate.SCORED),
        VALID_NULL_KEY(Fate.SCORED),
        VALID_ODD_HEADERS(Fate.SCORED),
        VALID_AT_PAYLOAD_LIMIT(Fate.SCORED),
        ATTRIBUTES_AT_PAYLOAD_LIMIT(Fate.DEAD, DlqReason.OVERSIZE_PAYLOAD),
        VALID_KEY_AT_LIMIT(Fate.SCORED),
        VALID_WITHOUT_TIMESTAMP(Fate.SCORED),
        RANDOM_BYTES(Fate.DEAD),
        TRUNCATED(Fate.DEAD, DlqReason.MALFORMED_MESSAGE, DlqReason.EMPTY_PAYLOAD),
        BIT_FLIPPED(Fate.EITHER),
        AVRO_STRING_CLAIMS_2GIB(Fate.DEAD, DlqReason.MALFORMED_MESSAGE),
        AVRO_BYTES_CLAIM_2GIB(Fate.DEAD, DlqReason.MALFORMED_MESSAGE),
        AVRO_MAP_CLAIMS_2G_ENTRIES(Fate.DEAD, DlqReason.MALFORMED_MESSAGE),
        JPEG_BOMB(Fate.DEAD, DlqReason.WRONG_SHAPE),
        PNG_BOMB(Fate.DEAD, DlqReason.WRONG_SHAPE),
        PNG_OVERFLOWING_IHDR(Fate.DEAD, DlqReason.BAD_IMAGE_BYTES, DlqReason.WRONG_SHAPE),
        JPEG_AS_PNG(Fate.DEAD, DlqReason.BAD_ENCODING),
        ZERO_DIMENSIONS(Fate.DEAD, DlqReason.BAD_IMAGE_BYTES),
        NEGATIVE_DIMENSIONS(Fate.DEAD, DlqReason.BAD_IMAGE_BYTES),
        OVERFLOWING_DIMENSIONS(Fate.DEAD, DlqReason.BAD_IMAGE_BYTES),
        WRONG_DIMENSIONS(Fate.DEAD, DlqReason.WRONG_SHAPE),
        UNKNOWN_FINGERPRINT(Fate.DEAD, DlqReason.UNKNOWN_SCHEMA),
        NULL_VALUE(Fate.DEAD, DlqReason.EMPTY_PAYLOAD),
        NULL_KEY_AND_VALUE(Fate.DEAD, DlqReason.EMPTY_PAYLOAD),
        NULL_KEY_GARBAGE(Fate.DEAD, DlqReason.MALFORMED_MESSAGE),
        ODD_HEADERS_GARBAGE(Fate.DEAD, DlqReason.MALFORMED_MESSAGE),
        GARBAGE_AT_PAYLOAD_LIMIT(Fate.DEAD, DlqReason.MALFORMED_MESSAGE),
        JUST_ABOVE_PAYLOAD_LIMIT(Fate.DEAD, DlqReason.OVERSIZE_PAYLOAD),
        FAR_ABOVE_PAYLOAD_LIMIT(Fate.DEAD, DlqReason.OVERSIZE_PAYLOAD),
        KEY_ABOVE_LIMIT(Fate.DEAD, DlqReason.OVERSIZE_PAYLOAD),
        HEADERS_ABOVE_LIMIT(Fate.DEAD, DlqReason.OVERSIZE_PAYLOAD),
        EMPTY_HEADERS_ABOVE_REQUEST_LIMIT(Fate.DEAD, DlqReason.OVERSIZE_PAYLOAD),
        GARBAGE_WITHOUT_TIMESTAMP(Fate.DEAD, DlqReason.MALFORMED_MESSAGE),
        BATCHING_TOPIC_GARBAGE(Fate.DEAD, DlqReason.MALFORMED_MESSAGE),
        BATCHING_TOPIC_GARBAGE_WITHOUT_TIMESTAMP(Fate.DEAD, DlqReason.MALFORMED_MESSAGE);

        final Fate fate;
        final Set<DlqReason> reasons;

        Kind(Fate fate, DlqReason... reasons) {
            this.fate = fate;
            this.reasons = Set.of(reasons);
        }

        /** About a megabyte each: a few of them prove the limits, many would only cost time. */
        boolean large() {
            return name().endsWith("PAYLOAD_LIMIT") || name().endsWith("REQUEST_LIMIT");
        }

        /** Kept by Kafka without a timestamp (-1), as clients other than Java's may send it. */
        boolean untimed() {
            return name().endsWith("WITHOUT_TIMESTAMP");
        }
    }

    /** One record to send, its id and its kind. */
    record Hostile(String id, Kind kind, ProducerRecord<byte[], byte[]> record) {}

    private static final Serializer<ImageEvent> EVENTS = FlowwatchSerdes.imageEvent().serializer();

    private final Random random;
    private final String images;
    private final String batching;
    private final int maxPayloadBytes;

    HostileRecords(long seed, String images, String batching, int maxPayloadBytes) {
        this.random = new Random(seed);
        this.images = images;
        this.batching = batching;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /**
     * {@code count} records: every kind at least once (the large ones {@code largeEach} times),
     * then small kinds drawn at random, valid ones among them.
     */
    List<Hostile> generate(int count, int largeEach) {
        List<Kind> kinds = new ArrayList<>();
        for (Kind k : Kind.values()) {
            for (int i = 0; i < (k.large() ? largeEach : 1); i++) {
                kinds.add(k);
            }
        }
        List<Kind> small = Arrays.stream(Kind.values()).filter(k -> !k.large()).toList();
        while (kinds.size() < count) {
            kinds.add(small.get(random.nextInt(small.size())));
        }
        List<Hostile> out = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            out.add(make("r" + i, kinds.get(i)));
        }
        return out;
    }

    private Hostile make(String id, Kind kind) {
        byte[] key = key(id);
        byte[] valid = EVENTS.serialize(images, TestModels.event(id, random.nextLong()));
        RecordHeaders headers = new RecordHeaders();
        String topic = images;
        byte[] value;
        switch (kind) {
            case VALID_RAW, VALID_WITHOUT_TIMESTAMP -> value = valid;
            case VALID_PNG -> value = encoded(id, ImageEncoding.PNG, png(random.nextLong()));
            case VALID_JPEG ->
                    value =
                            encoded(
                                    id,
                                    ImageEncoding.JPEG,
                                    HostileImages.encode(grey(random.nextLong()), "jpeg"));
            case VALID_NULL_KEY -> {
                key = null;
                headers.add(ID_HEADER, utf8(id));
                value = EVENTS.serialize(images, TestModels.event(id, random.nextLong()));
            }
            case VALID_ODD_HEADERS -> {
                headers.add("flowwatch.dlq.reason", utf8("WRONG_SHAPE"));
                headers.add("", null);
                headers.add("\u0000\uFFFF", new byte[] {(byte) 0xFF, 0});
                value = valid;
            }
            case VALID_AT_PAYLOAD_LIMIT -> value = paddedPng(id, maxPayloadBytes);
            case ATTRIBUTES_AT_PAYLOAD_LIMIT -> value = paddedAttributes(id, maxPayloadBytes);
            case VALID_KEY_AT_LIMIT -> {
                key = key(id, RecordLimits.MAX_KEY_AND_HEADERS_BYTES);
                value = valid;
            }
            case RANDOM_BYTES -> value = randomBytes(1 + random.nextInt(2000));
            case TRUNCATED -> value = Arrays.copyOf(valid, random.nextInt(valid.length));
            case BIT_FLIPPED -> {
                value = valid.clone();
                for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                    int bit = random.nextInt(value.length * 8);
                    value[bit / 8] ^= (byte) (1 << (bit % 8));
                }
            }
            case AVRO_STRING_CLAIMS_2GIB -> value = avro(valid, out -> writeLong(out, 1L << 31));
            case AVRO_BYTES_CLAIM_2GIB ->
                    value =
                            avro(
                                    valid,
                                    out -> {
                                        writeFieldsBeforeData(out);
                                        writeLong(out, Integer.MAX_VALUE);
                                    });
            case AVRO_MAP_CLAIMS_2G_ENTRIES ->
                    value =
                            avro(
                                    valid,
                                    out -> {
                                        writeFieldsBeforeData(out);
                                        writeLong(out, 0);
                                        writeLong(out, Integer.MAX_VALUE);
                                    });
            case JPEG_BOMB ->
                    value =
                            encoded(
                                    id,
                                    ImageEncoding.JPEG,
                                    HostileImages.jpegClaiming(
                                            HostileImages.BOMB_SIDE, HostileImages.BOMB_SIDE));
            case PNG_BOMB ->
                    value =
                            encoded(
                                    id,
                                    ImageEncoding.PNG,
                                    HostileImages.pngClaiming(
                                            HostileImages.BOMB_SIDE,
                                            HostileImages.BOMB_SIDE,
                                            1 << 16));
            case PNG_OVERFLOWING_IHDR ->
                    value =
                            encoded(
                                    id,
                                    ImageEncoding.PNG,
                                    HostileImages.pngClaiming(
                                            Integer.MAX_VALUE, Integer.MAX_VALUE, 1 << 10));
            case JPEG_AS_PNG ->
                    value =
                            encoded(
                                    id,
                                    ImageEncoding.PNG,
                                    HostileImages.encode(grey(random.nextLong()), "jpeg"));
            case ZERO_DIMENSIONS -> value = raw(id, 0, 0, 1, new byte[0]);
            case NEGATIVE_DIMENSIONS -> value = raw(id, -28, 28, 1, new byte[784]);
            case OVERFLOWING_DIMENSIONS -> value = raw(id, 65536, 65536, 1, new byte[784]);
            case WRONG_DIMENSIONS -> value = raw(id, 27, 28, 1, new byte[27 * 28]);
            case UNKNOWN_FINGERPRINT -> {
                value = valid.clone();
                value[2 + random.nextInt(8)] ^= (byte) (1 + random.nextInt(255));
            }
            case NULL_VALUE -> value = null;
            case NULL_KEY_AND_VALUE -> {
                key = null;
                headers.add(ID_HEADER, utf8(id));
                value = null;
            }
            case NULL_KEY_GARBAGE -> {
                key = null;
                headers.add(ID_HEADER, utf8(id));
                value = garbage(100);
            }
            case ODD_HEADERS_GARBAGE -> {
                headers.add("flowwatch.dlq.original.size", utf8("-1"));
                headers.add("", new byte[0]);
                headers.add("binary", randomBytes(64));
                value = garbage(50);
            }
            case GARBAGE_WITHOUT_TIMESTAMP -> value = garbage(100);
            case GARBAGE_AT_PAYLOAD_LIMIT -> value = garbage(maxPayloadBytes);
            case JUST_ABOVE_PAYLOAD_LIMIT -> value = randomBytes(maxPayloadBytes + 1);
            case FAR_ABOVE_PAYLOAD_LIMIT -> value = randomBytes(2 * maxPayloadBytes);
            case KEY_ABOVE_LIMIT -> {
                key = key(id, RecordLimits.MAX_KEY_AND_HEADERS_BYTES + 1);
                value = valid;
            }
            case HEADERS_ABOVE_LIMIT -> {
                for (int i = 0; i < 1000; i++) {
                    headers.add("h" + i, randomBytes(16));
                }
                value = valid;
            }
            case EMPTY_HEADERS_ABOVE_REQUEST_LIMIT -> {
                // 2 bytes each on the wire, none of name or value: past the producer's 1 MiB
                for (int i = 0; i < 600_000; i++) {
                    headers.add("", null);
                }
                value = garbage(100);
            }
            case BATCHING_TOPIC_GARBAGE, BATCHING_TOPIC_GARBAGE_WITHOUT_TIMESTAMP -> {
                topic = batching;
                value = garbage(200);
            }
            default -> throw new IllegalArgumentException(kind.name());
        }
        return new Hostile(
                id,
                kind,
                kind.untimed()
                        ? new Untimed(topic, key, value, headers)
                        : new ProducerRecord<>(topic, null, key, value, headers));
    }

    /**
     * A record sent without a timestamp. Java's producer refuses a negative one but writes the one
     * a record reports, and Kafka keeps -1 (no timestamp) as it comes.
     */
    private static final class Untimed extends ProducerRecord<byte[], byte[]> {

        Untimed(String topic, byte[] key, byte[] value, RecordHeaders headers) {
            super(topic, null, key, value, headers);
        }

        @Override
        public Long timestamp() {
            return ConsumerRecord.NO_TIMESTAMP;
        }
    }

    private static byte[] key(String id) {
        return utf8(id + "|");
    }

    /** A key of exactly {@code size} bytes that starts with the id. */
    private static byte[] key(String id, int size) {
        byte[] key = Arrays.copyOf(key(id), size);
        Arrays.fill(key, key(id).length, size, (byte) 'k');
        return key;
    }

    static String idOf(byte[] key) {
        String k = new String(key, StandardCharsets.UTF_8);
        int bar = k.indexOf('|');
        return bar < 0 ? k : k.substring(0, bar);
    }

    private byte[] encoded(String id, ImageEncoding encoding, byte[] data) {
        return EVENTS.serialize(images, event(id, encoding, data));
    }

    private static ImageEvent event(String id, ImageEncoding encoding, byte[] data) {
        return ImageEvent.newBuilder(TestModels.event(id, 0))
                .setEncoding(encoding)
                .setData(ByteBuffer.wrap(data))
                .build();
    }

    private byte[] raw(String id, int width, int height, int channels, byte[] data) {
        return EVENTS.serialize(
                images,
                ImageEvent.newBuilder(TestModels.event(id, 0))
                        .setWidth(width)
                        .setHeight(height)
                        .setChannels(channels)
                        .setData(ByteBuffer.wrap(data))
                        .build());
    }

    /**
     * A valid PNG event, its image padded with an ancillary chunk to exactly {@code size} bytes.
     */
    private byte[] paddedPng(String id, int size) {
        byte[] image = png(random.nextLong());
        return padded(size, pad -> event(id, ImageEncoding.PNG, HostileImages.padded(image, pad)));
    }

    /** An event whose attributes take it to exactly {@code size} bytes: far more than allowed. */
    private byte[] paddedAttributes(String id, int size) {
        ImageEvent event = TestModels.event(id, random.nextLong());
        return padded(
                size,
                pad -> {
                    event.getAttributes().put("pad", "p".repeat(pad));
                    return event;
                });
    }

    /** The event {@code padding} makes of a pad length, at exactly {@code size} bytes. */
    private byte[] padded(int size, IntFunction<ImageEvent> padding) {
        int pad = 0;
        // length prefixes grow with the pad: settle on the exact length
        for (int tries = 0; tries < 4; tries++) {
            byte[] bytes = EVENTS.serialize(images, padding.apply(pad));
            pad = Math.max(0, pad + size - bytes.length);
            if (bytes.length == size) {
                return bytes;
            }
        }
        throw new IllegalStateException("cannot pad an event to " + size + " bytes");
    }

    private byte[] png(long seed) {
        return HostileImages.encode(grey(seed), "png");
    }

    private static BufferedImage grey(long seed) {
        BufferedImage image =
                new BufferedImage(TestModels.SIZE, TestModels.SIZE, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster()
                .setDataElements(0, 0, TestModels.SIZE, TestModels.SIZE, TestModels.pixels(seed));
        return image;
    }

    /**
     * Random bytes that do not start with the single-object marker C3 01: one random message in
     * 65536 does, and is then, correctly, a message of an unknown writer schema, not a malformed
     * one (seen once in a run of 100 000 records).
     */
    private byte[] garbage(int n) {
        byte[] b = randomBytes(n);
        if (b[0] == (byte) 0xC3 && b[1] == 0x01) {
            b[1] = 0;
        }
        return b;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The single-object header of a valid event, then the body written. */
    private static byte[] avro(byte[] valid, Consumer<ByteArrayOutputStream> body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(valid, 0, 10);
        body.accept(out);
        return out.toByteArray();
    }

    /** id, source, event_time, width, height, channels and encoding of an ImageEvent. */
    private static void writeFieldsBeforeData(ByteArrayOutputStream out) {
        for (String s : new String[] {"id", "cam"}) {
            writeLong(out, s.length());
            out.writeBytes(utf8(s));
        }
        writeLong(out, 0);
        writeLong(out, 28);
        writeLong(out, 28);
        writeLong(out, 1);
        writeLong(out, 0);
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
}
