package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.ImageEncoding;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.ImageEvents;
import dev.flowwatch.streams.Allocations;
import dev.flowwatch.streams.HostileImages;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.engine.ScoringEngine;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

class ValidateProcessorTest {

    @TempDir static Path bundles;
    static ScoringEngine engine;

    @TempDir Path stateDir;

    @BeforeAll
    static void loadModel() {
        engine = ScoringEngine.load(TestModels.tinyBundle(bundles), "cpu", 0, ScoreKind.BPD, 1);
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    @Test
    void malformedBytesGoToDlqWithReasonAndOriginalBytes() throws IOException {
        byte[] valid = TopologyFixture.bytes(TestModels.event("e", 1));
        byte[] unknownFingerprint = valid.clone();
        unknownFingerprint[5] ^= 0x5A;
        byte[] pngSignature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 1, 2, 3, 4, 5};

        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("empty", new byte[0]);
        records.put("garbage", "garbage, not Avro at all".getBytes(StandardCharsets.UTF_8));
        records.put("truncated", Arrays.copyOf(valid, valid.length / 2));
        records.put("fingerprint", unknownFingerprint);
        records.put(
                "narrow",
                TopologyFixture.bytes(
                        ImageEvents.rawU8("e", "s", Instant.EPOCH, 27, 28, 1, new byte[27 * 28])));
        records.put(
                "colour",
                TopologyFixture.bytes(
                        ImageEvents.rawU8(
                                "e", "s", Instant.EPOCH, 28, 28, 3, new byte[28 * 28 * 3])));
        records.put(
                "oversize",
                TopologyFixture.bytes(
                        ImageEvents.rawU8("e", "s", Instant.EPOCH, 60, 60, 1, new byte[3600])));
        records.put(
                "short-raw",
                TopologyFixture.bytes(
                        withData(TestModels.event("e", 1), ImageEncoding.RAW_U8, new byte[100])));
        records.put(
                "bad-png",
                TopologyFixture.bytes(
                        withData(TestModels.event("e", 1), ImageEncoding.PNG, pngSignature)));
        records.put(
                "jpeg-as-png",
                TopologyFixture.bytes(
                        withData(
                                TestModels.event("e", 1),
                                ImageEncoding.PNG,
                                encode(greyImage(TestModels.pixels(1)), "jpeg"))));
        byte[] jpeg = encode(greyImage(TestModels.pixels(1)), "jpeg");
        records.put(
                "cut-jpeg",
                TopologyFixture.bytes(
                        withData(
                                TestModels.event("e", 1),
                                ImageEncoding.JPEG,
                                Arrays.copyOf(jpeg, jpeg.length * 7 / 10))));
        Map<String, String> expected =
                new HashMap<>(
                        Map.of(
                                "empty",
                                "EMPTY_PAYLOAD",
                                "garbage",
                                "MALFORMED_MESSAGE",
                                "truncated",
                                "MALFORMED_MESSAGE",
                                "fingerprint",
                                "UNKNOWN_SCHEMA",
                                "narrow",
                                "WRONG_SHAPE",
                                "colour",
                                "WRONG_SHAPE",
                                "oversize",
                                "OVERSIZE_PAYLOAD",
                                "short-raw",
                                "BAD_IMAGE_BYTES",
                                "bad-png",
                                "BAD_IMAGE_BYTES",
                                "jpeg-as-png",
                                "BAD_ENCODING"));
        // the decoder fills the missing rows with grey and only warns
        expected.put("cut-jpeg", "BAD_IMAGE_BYTES");

        try (TopologyFixture f =
                new TopologyFixture(engine, stateDir, Map.of("max.payload.bytes", "3000"))) {
            records.forEach((key, value) -> f.images.pipeInput(TopologyFixture.key(key), value));

            List<TestRecord<byte[], byte[]>> dead = f.dlq.readRecordsToList();
            assertEquals(records.size(), dead.size());
            long offset = 0;
            for (TestRecord<byte[], byte[]> r : dead) {
                String key = new String(r.key(), StandardCharsets.UTF_8);
                assertArrayEquals(records.get(key), r.value(), key + ": value bytes untouched");
                assertEquals(expected.get(key), header(r, DeadLetters.HEADER_REASON), key);
                assertFalse(header(r, DeadLetters.HEADER_DETAIL).isBlank(), key);
                assertEquals("images", header(r, DeadLetters.HEADER_TOPIC));
                assertEquals("0", header(r, DeadLetters.HEADER_PARTITION));
                assertEquals(Long.toString(offset++), header(r, DeadLetters.HEADER_OFFSET));
            }
            assertTrue(header(dead.get(1), DeadLetters.HEADER_DETAIL).startsWith("BAD_MARKER"));
            assertTrue(
                    header(dead.get(2), DeadLetters.HEADER_DETAIL).startsWith("UNDECODABLE_BODY"));
            assertTrue(f.scores.isEmpty());
        }
    }

    /**
     * And so is a PNG of the same grey levels stored as a palette, which the JDK reads as sRGB:
     * taken for colour, it was refused as WRONG_SHAPE by a grey model (and the trainer made an RGB
     * model of such files).
     */
    @Test
    void pngIsScoredLikeTheSameRawImage() throws IOException {
        ImageEvent raw = TestModels.event("raw", 3);
        ImageEvent png =
                withData(
                        TestModels.event("png", 3),
                        ImageEncoding.PNG,
                        encode(greyImage(TestModels.pixels(3)), "png"));
        byte[] greys = new byte[256];
        for (int i = 0; i < 256; i++) {
            greys[i] = (byte) i;
        }
        BufferedImage paletteImage =
                new BufferedImage(
                        TestModels.SIZE,
                        TestModels.SIZE,
                        BufferedImage.TYPE_BYTE_INDEXED,
                        new IndexColorModel(8, 256, greys, greys, greys));
        paletteImage
                .getRaster()
                .setDataElements(0, 0, TestModels.SIZE, TestModels.SIZE, TestModels.pixels(3));
        ImageEvent palette =
                withData(
                        TestModels.event("palette", 3),
                        ImageEncoding.PNG,
                        encode(paletteImage, "png"));
        try (TopologyFixture f =
                new TopologyFixture(engine, stateDir, Map.of("batch.max.size", "1"))) {
            f.send("a", raw);
            f.send("b", png);
            f.send("c", palette);

            assertEquals(List.of(), f.dlq.readValuesToList());
            List<Double> scores =
                    f.scores.readValuesToList().stream().map(s -> s.getScore()).toList();
            assertEquals(3, scores.size());
            assertEquals(scores.get(0), scores.get(1), 1e-9);
            assertEquals(scores.get(0), scores.get(2), 1e-9);
        }
    }

    @Test
    void imageBombsGoToDlqByTheirHeadersWithoutDecodingAPixel() {
        int side = HostileImages.BOMB_SIDE;
        Map<String, byte[]> bombs = new LinkedHashMap<>();
        bombs.put(
                "jpeg",
                TopologyFixture.bytes(
                        withData(
                                TestModels.event("e", 1),
                                ImageEncoding.JPEG,
                                HostileImages.jpegClaiming(side, side))));
        bombs.put(
                "png",
                TopologyFixture.bytes(
                        withData(
                                TestModels.event("e", 1),
                                ImageEncoding.PNG,
                                HostileImages.pngClaiming(side, side, 1 << 20))));
        try (TopologyFixture f = new TopologyFixture(engine, stateDir, Map.of())) {
            long allocated =
                    Allocations.onThisThread(
                            () ->
                                    bombs.forEach(
                                            (key, value) ->
                                                    f.images.pipeInput(
                                                            TopologyFixture.key(key), value)));

            // decoding either would take 2 GiB: 46340 x 46340 grey pixels
            assertTrue(allocated < 64 << 20, "validating the bombs allocated " + allocated);
            List<TestRecord<byte[], byte[]>> dead = f.dlq.readRecordsToList();
            assertEquals(2, dead.size());
            for (TestRecord<byte[], byte[]> r : dead) {
                assertEquals("WRONG_SHAPE", header(r, DeadLetters.HEADER_REASON));
                String detail = header(r, DeadLetters.HEADER_DETAIL);
                assertTrue(detail.contains(side + "x" + side), detail);
            }
        }
    }

    @Test
    void deadLetterOfALongValueCarriesItsPrefixWithTheWholeSizeAndSha256() throws Exception {
        byte[] wrongShape =
                TopologyFixture.bytes(
                        ImageEvents.rawU8("e", "s", Instant.EPOCH, 40, 40, 1, new byte[1600]));
        try (TopologyFixture f =
                new TopologyFixture(engine, stateDir, Map.of("dlq.max.value.bytes", "1000"))) {
            f.images.pipeInput(TopologyFixture.key("k"), wrongShape);

            TestRecord<byte[], byte[]> dead = f.dlq.readRecord();
            assertArrayEquals(Arrays.copyOf(wrongShape, 1000), dead.value());
            assertEquals("WRONG_SHAPE", header(dead, DeadLetters.HEADER_REASON));
            assertEquals(
                    Integer.toString(wrongShape.length),
                    header(dead, DeadLetters.HEADER_ORIGINAL_SIZE));
            assertEquals(
                    HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(wrongShape)),
                    header(dead, DeadLetters.HEADER_ORIGINAL_SHA256));
        }
    }

    @Test
    void keyAndHeadersLargerThanARecordMayCarryAreOversizeAndCutInTheDeadLetter() {
        byte[] key = new byte[RecordLimits.MAX_KEY_AND_HEADERS_BYTES + 1];
        byte[] valid = TopologyFixture.bytes(TestModels.event("e", 1));
        try (TopologyFixture f = new TopologyFixture(engine, stateDir, Map.of())) {
            f.images.pipeInput(key, valid);

            TestRecord<byte[], byte[]> dead = f.dlq.readRecord();
            assertEquals("OVERSIZE_PAYLOAD", header(dead, DeadLetters.HEADER_REASON));
            assertEquals(RecordLimits.MAX_KEY_AND_HEADERS_BYTES, dead.key().length);
            assertTrue(header(dead, DeadLetters.HEADER_DETAIL).contains("key is cut"));
            assertEquals(
                    Integer.toString(key.length),
                    header(dead, DeadLetters.HEADER_ORIGINAL_KEY_SIZE),
                    "so that a replay knows it cannot send it back");
            assertArrayEquals(valid, dead.value());
            assertTrue(f.scores.isEmpty());
        }
    }

    /** A valid event's fields beside its image travel twice to the batch: they are bounded. */
    @Test
    void attributesLargerThanAnEventMayCarryAreOversize() {
        ImageEvent bulky =
                ImageEvent.newBuilder(TestModels.event("bulky", 1))
                        .setAttributes(
                                Map.of("notes", "x".repeat(RecordLimits.MAX_EVENT_FIELDS_BYTES)))
                        .build();
        ImageEvent fitting =
                ImageEvent.newBuilder(TestModels.event("fitting", 1))
                        .setAttributes(Map.of("notes", "x".repeat(4000)))
                        .build();
        try (TopologyFixture f =
                new TopologyFixture(engine, stateDir, Map.of("batch.max.size", "1"))) {
            f.send("a", bulky);
            f.send("b", fitting);

            TestRecord<byte[], byte[]> dead = f.dlq.readRecord();
            assertEquals("OVERSIZE_PAYLOAD", header(dead, DeadLetters.HEADER_REASON));
            assertTrue(header(dead, DeadLetters.HEADER_DETAIL).contains("attributes"));
            assertTrue(f.dlq.isEmpty());
            assertEquals("fitting", f.scores.readValue().getEventId().toString());
        }
    }

    @Test
    void unreadableRecordOnTheBatchingTopicGoesToDlqAndScoringGoesOn() {
        byte[] valid = TopologyFixture.bytes(TestModels.event("e", 1));
        byte[] unknownFingerprint = valid.clone();
        unknownFingerprint[5] ^= 0x5A;
        try (TopologyFixture f =
                new TopologyFixture(
                        engine,
                        stateDir,
                        // The test driver drops the handler's dead letters under exactly-once;
                        // HostileInputTest proves them on a real broker under exactly-once.
                        Map.of(
                                "batching.partitions",
                                "1",
                                "batch.max.size",
                                "1",
                                "processing.guarantee",
                                "at_least_once"))) {
            var batching =
                    f.driver.createInputTopic(
                            f.config.batchingTopic(),
                            new ByteArraySerializer(),
                            new ByteArraySerializer());
            batching.pipeInput(TopologyFixture.key("garbage"), "not avro".getBytes());
            batching.pipeInput(TopologyFixture.key("newer"), unknownFingerprint);
            f.images.pipeInput(TopologyFixture.key("valid"), valid);

            List<TestRecord<byte[], byte[]>> dead = f.dlq.readRecordsToList();
            assertEquals(2, dead.size());
            assertEquals("MALFORMED_MESSAGE", header(dead.get(0), DeadLetters.HEADER_REASON));
            assertEquals("UNKNOWN_SCHEMA", header(dead.get(1), DeadLetters.HEADER_REASON));
            assertEquals(f.config.batchingTopic(), header(dead.get(1), DeadLetters.HEADER_TOPIC));
            assertArrayEquals(unknownFingerprint, dead.get(1).value());
            assertEquals(1, f.scores.readValuesToList().size());
        }
    }

    private static ImageEvent withData(ImageEvent event, ImageEncoding encoding, byte[] data) {
        return ImageEvent.newBuilder(event)
                .setEncoding(encoding)
                .setData(ByteBuffer.wrap(data))
                .build();
    }

    private static BufferedImage greyImage(byte[] pixels) {
        BufferedImage image =
                new BufferedImage(TestModels.SIZE, TestModels.SIZE, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, TestModels.SIZE, TestModels.SIZE, pixels);
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out));
        return out.toByteArray();
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
