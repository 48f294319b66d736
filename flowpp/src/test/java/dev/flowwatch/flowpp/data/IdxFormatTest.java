package dev.flowwatch.flowpp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

class IdxFormatTest {

    @TempDir Path dir;

    private static ImageSet threeDigits() {
        byte[] pixels = new byte[3 * 4 * 5];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7);
        }
        return ImageSet.of(pixels, 1, 4, 5, new int[] {9, 0, 4}, "three");
    }

    @Test
    void gzippedRoundTripKeepsPixelsAndLabels() throws IOException {
        ImageSet original = threeDigits();
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        IdxFormat.write(images, original);

        assertTrue(Files.isRegularFile(dir.resolve("train-labels-idx1-ubyte.gz")));
        ImageSet read = IdxFormat.read(images);
        assertSameImages(original, read);
    }

    @Test
    void plainRoundTripIsDetectedByContentNotName() throws IOException {
        ImageSet original = threeDigits();
        // Written gzipped under .gz names, then stored decompressed under the same names.
        Path images = dir.resolve("t10k-images-idx3-ubyte.gz");
        Path labels = dir.resolve("t10k-labels-idx1-ubyte.gz");
        IdxFormat.write(images, original);
        gunzipInPlace(images);
        gunzipInPlace(labels);

        assertSameImages(original, IdxFormat.read(images));
    }

    @Test
    void uncompressedLabelsFileIsFoundForGzippedImages() throws IOException {
        Path images = dir.resolve("mnist-images-idx3-ubyte.gz");
        IdxFormat.write(images, threeDigits());
        Path gzLabels = dir.resolve("mnist-labels-idx1-ubyte.gz");
        Path plainLabels = dir.resolve("mnist-labels-idx1-ubyte");
        Files.move(gzLabels, plainLabels);

        assertEquals(plainLabels, IdxFormat.labelsFileFor(images).orElseThrow());
        assertArrayEquals(new int[] {9, 0, 4}, ImageSetTest.labelsOf(IdxFormat.read(images)));
    }

    @Test
    void imagesWithoutALabelsFileAreUnlabelled() throws IOException {
        Path images = dir.resolve("digits-images.idx");
        ImageSet unlabelled = ImageSet.of(new byte[40], 1, 4, 5, null, "u");
        IdxFormat.write(images, unlabelled);

        ImageSet read = IdxFormat.read(images);
        assertFalse(read.hasLabels());
        assertEquals(2, read.size());
    }

    @Test
    void labelCountMismatchNamesBothFiles() throws IOException {
        Path images = dir.resolve("a-images-idx3-ubyte.gz");
        IdxFormat.write(images, threeDigits());
        Path labels = dir.resolve("a-labels-idx1-ubyte.gz");
        IdxFormat.write(
                dir.resolve("other-images"),
                labels,
                ImageSet.of(new byte[40], 1, 4, 5, new int[] {1, 2}, "two"));

        IOException e = assertThrows(IOException.class, () -> IdxFormat.read(images));
        assertTrue(e.getMessage().contains(images.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(labels.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("3 images"), e.getMessage());
    }

    @Test
    void truncatedFileErrorNamesTheFile() throws IOException {
        Path images = dir.resolve("cut-images-idx3-ubyte");
        byte[] whole = idx(0x08, new int[] {3, 4, 5}, new byte[60]);
        Files.write(images, Arrays.copyOf(whole, whole.length - 10));

        IOException e = assertThrows(IOException.class, () -> IdxFormat.read(images));
        assertTrue(e.getMessage().startsWith(images.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void truncatedGzipStreamErrorNamesTheFile() throws IOException {
        Path images = dir.resolve("cut-images-idx3-ubyte.gz");
        IdxFormat.write(images, threeDigits());
        byte[] gz = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(gz, gz.length / 2));

        IOException e = assertThrows(IOException.class, () -> IdxFormat.read(images, null));
        assertTrue(e.getMessage().startsWith(images.toString()), e.getMessage());
    }

    @Test
    void aLimitReadsOnlyTheFirstImagesAndTheirLabels() throws IOException {
        Path images = dir.resolve("d-images-idx3-ubyte");
        IdxFormat.write(images, threeDigits());
        gunzipInPlace(images);
        // bytes after the declared data are corrupt, but a limited read never gets to them
        Files.write(images, new byte[] {1}, StandardOpenOption.APPEND);

        ImageSet firstTwo = IdxFormat.read(images, 2);
        assertSameImages(threeDigits().limit(2), firstTwo);
        assertTrue(firstTwo.description().endsWith("[0:2]"), firstTwo.description());
        // a limit past the end reads, and checks, it all
        assertThrows(IOException.class, () -> IdxFormat.read(images, 4));
    }

    @Test
    void anUncompressedFileShorterThanItsHeaderDeclaresIsRefusedBeforeItsDataIsAllocated()
            throws IOException {
        Path file = dir.resolve("short-images");
        // 1 GiB declared, more than the test's heap may hold: refused without allocating it
        Files.write(file, idx(0x08, new int[] {1 << 14, 1 << 8, 1 << 8}, new byte[10]));

        IOException e = assertThrows(IOException.class, () -> IdxFormat.read(file));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("only 10 follow"), e.getMessage());
    }

    @Test
    void aGzippedFileWhoseHeaderDeclaresAGigabyteItDoesNotHoldIsTruncated() throws IOException {
        Path file = dir.resolve("short-images.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(idx(0x08, new int[] {1 << 14, 1 << 8, 1 << 8}, new byte[10]));
        }

        IOException e = assertThrows(IOException.class, () -> IdxFormat.read(file));
        assertTrue(e.getMessage().contains("only 10 follow"), e.getMessage());
    }

    @Test
    void wrongMagicIsNotAnIdxFile() throws IOException {
        Path file = dir.resolve("picture-images.png");
        Files.write(file, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0});

        IOException e = assertThrows(IOException.class, () -> IdxFormat.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not an IDX file"), e.getMessage());
    }

    /** 2^22 × 2^21 × 2^21 is 2^64, which a long product wraps to 0: "no images". */
    @Test
    void aHeaderDeclaringMoreThanMemoryHoldsSaysSoEvenWhereTheProductWrapsAround()
            throws IOException {
        Path file = dir.resolve("huge-images");
        Files.write(file, idx(0x08, new int[] {1 << 22, 1 << 21, 1 << 21}, new byte[0]));

        IOException e = assertThrows(IOException.class, () -> IdxFormat.read(file));
        assertTrue(e.getMessage().contains("4194304 × 2097152"), e.getMessage());
        assertTrue(e.getMessage().contains("too many elements to hold in memory"), e.getMessage());
    }

    @Test
    void floatTensorIsAnUnsupportedElementType() throws IOException {
        Path file = dir.resolve("float-images");
        Files.write(file, idx(0x0D, new int[] {1, 1, 1}, new byte[4]));

        IOException e = assertThrows(IOException.class, () -> IdxFormat.read(file));
        assertTrue(e.getMessage().contains("element type 0x0d"), e.getMessage());
    }

    @Test
    void labelsFileGivenAsImagesIsTheWrongRank() throws IOException {
        Path file = dir.resolve("labels-only");
        Files.write(file, idx(0x08, new int[] {3}, new byte[3]));

        IOException e = assertThrows(IOException.class, () -> IdxFormat.read(file));
        assertTrue(e.getMessage().contains("3-dimensional"), e.getMessage());
    }

    @Test
    void trailingBytesAreCorruption() throws IOException {
        Path file = dir.resolve("long-images");
        byte[] whole = idx(0x08, new int[] {1, 2, 2}, new byte[4]);
        Files.write(file, Arrays.copyOf(whole, whole.length + 1));

        IOException e = assertThrows(IOException.class, () -> IdxFormat.read(file));
        assertTrue(e.getMessage().contains("continues after"), e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("absent-images-idx3-ubyte.gz");
        IOException e = assertThrows(IOException.class, () -> IdxFormat.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void colourImagesCannotBeWrittenAsIdx() {
        ImageSet rgb = ImageSet.of(new byte[12], 3, 2, 2, null, "rgb");
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> IdxFormat.write(dir.resolve("x-images"), rgb));
        assertTrue(e.getMessage().contains("one channel"), e.getMessage());
    }

    private static void assertSameImages(ImageSet expected, ImageSet actual) {
        assertEquals(expected.size(), actual.size());
        assertEquals(expected.channels(), actual.channels());
        assertEquals(expected.height(), actual.height());
        assertEquals(expected.width(), actual.width());
        assertArrayEquals(expected.pixels(0, expected.size()), actual.pixels(0, actual.size()));
        assertArrayEquals(ImageSetTest.labelsOf(expected), ImageSetTest.labelsOf(actual));
    }

    private static byte[] idx(int type, int[] shape, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(0);
        out.write(type);
        out.write(shape.length);
        for (int size : shape) {
            out.write(size >>> 24);
            out.write(size >>> 16);
            out.write(size >>> 8);
            out.write(size);
        }
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static void gunzipInPlace(Path file) throws IOException {
        byte[] plain;
        try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            plain = in.readAllBytes();
        }
        Files.write(file, plain);
    }
}
