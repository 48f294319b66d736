package dev.flowwatch.flowpp.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reads and writes the IDX format of MNIST and Fashion-MNIST: a big-endian header of two zero
 * bytes, an element-type byte, a dimension-count byte and one 32-bit size per dimension, then the
 * elements. Images are 3-D unsigned-byte tensors (N × H × W, magic {@code 0x00000803}), labels 1-D
 * unsigned-byte tensors (magic {@code 0x00000801}). Files may be gzipped; that is recognised from
 * the gzip magic bytes, not from the name.
 *
 * <p>Every read error is an {@link IOException} whose message starts with the offending file.
 */
public final class IdxFormat {

    private static final int UNSIGNED_BYTE = 0x08;
    private static final int GZIP_MAGIC_FIRST = 0x1f;
    private static final int GZIP_MAGIC_SECOND = 0x8b;

    private IdxFormat() {}

    /**
     * Reads an images file and, when {@link #labelsFileFor(Path)} finds one, its labels file.
     *
     * @throws IOException naming the file when it is missing, truncated or not a uint8 IDX tensor
     *     of the expected rank, or when the labels count differs from the image count
     */
    public static ImageSet read(Path images) throws IOException {
        return read(images, labelsFileFor(images).orElse(null));
    }

    /**
     * Reads an images file and the given labels file.
     *
     * @param labels the labels file, or {@code null} to read the images unlabelled
     */
    public static ImageSet read(Path images, Path labels) throws IOException {
        return read(images, labels, Integer.MAX_VALUE);
    }

    /**
     * Reads the first {@code limit} images of an images file (all when it holds fewer) and, when
     * {@link #labelsFileFor(Path)} finds one, their labels. The rest is not read: of a gzipped file
     * it is neither decompressed nor checked, of an uncompressed one only its length is.
     */
    public static ImageSet read(Path images, int limit) throws IOException {
        return read(images, labelsFileFor(images).orElse(null), limit);
    }

    private static ImageSet read(Path images, Path labels, int limit) throws IOException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        Tensor imageTensor = readTensor(images, 3, limit);
        int[] shape = imageTensor.shape();
        int[] labelValues = null;
        if (labels != null) {
            Tensor labelTensor = readTensor(labels, 1, limit);
            if (labelTensor.declared() != imageTensor.declared()) {
                throw new IOException(
                        "%s has %d images but labels file %s has %d labels"
                                .formatted(
                                        images,
                                        imageTensor.declared(),
                                        labels,
                                        labelTensor.declared()));
            }
            labelValues = new int[shape[0]];
            for (int i = 0; i < labelValues.length; i++) {
                labelValues[i] = Byte.toUnsignedInt(labelTensor.data()[i]);
            }
        }
        String description =
                (labels == null ? images.toString() : images + " + " + labels.getFileName())
                        + ImageSet.cut(shape[0], imageTensor.declared());
        return ImageSet.wrap(imageTensor.data(), 1, shape[1], shape[2], labelValues, description);
    }

    /**
     * The labels file that belongs to an images file, if it exists: the name with {@code images}
     * replaced by {@code labels} and {@code idx3} by {@code idx1} (MNIST's {@code
     * train-images-idx3-ubyte.gz} ↔ {@code train-labels-idx1-ubyte.gz}), gzipped or not.
     */
    public static Optional<Path> labelsFileFor(Path images) {
        return labelsNameFor(images)
                .flatMap(
                        name -> {
                            String plain =
                                    name.endsWith(".gz")
                                            ? name.substring(0, name.length() - 3)
                                            : name;
                            return List.of(name, plain, plain + ".gz").stream()
                                    .map(images::resolveSibling)
                                    .filter(Files::isRegularFile)
                                    .findFirst();
                        });
    }

    private static Optional<String> labelsNameFor(Path images) {
        String name = images.getFileName().toString();
        int at = name.lastIndexOf("images");
        if (at < 0) {
            return Optional.empty();
        }
        String labels = name.substring(0, at) + "labels" + name.substring(at + "images".length());
        return Optional.of(labels.replace("idx3", "idx1"));
    }

    /**
     * Writes the single-channel images gzipped to {@code images} and, if the set is labelled, its
     * labels gzipped to the file {@link #labelsFileFor(Path)} would look for.
     *
     * @throws IllegalArgumentException if the images have more than one channel, labels exceed
     *     0..255, or the set is labelled and the file name contains no {@code images}
     */
    public static void write(Path images, ImageSet set) throws IOException {
        Path labels = null;
        if (set.hasLabels()) {
            labels =
                    images.resolveSibling(
                            labelsNameFor(images)
                                    .orElseThrow(
                                            () ->
                                                    new IllegalArgumentException(
                                                            "cannot name a labels file after "
                                                                    + images
                                                                    + ": the name contains no"
                                                                    + " 'images'")));
        }
        write(images, labels, set);
    }

    /**
     * Writes the single-channel images gzipped to {@code images} and the labels gzipped to {@code
     * labels}.
     *
     * @param labels where to write the labels; must be {@code null} exactly when the set has none
     */
    public static void write(Path images, Path labels, ImageSet set) throws IOException {
        if (set.channels() != 1) {
            throw new IllegalArgumentException(
                    "IDX image files hold one channel, but '%s' has %d"
                            .formatted(set.description(), set.channels()));
        }
        if (set.hasLabels() != (labels != null)) {
            throw new IllegalArgumentException(
                    set.hasLabels()
                            ? "image set '"
                                    + set.description()
                                    + "' is labelled but no labels file was given"
                            : "a labels file was given but image set '"
                                    + set.description()
                                    + "' has no labels");
        }
        byte[] labelBytes = labels == null ? null : labelBytes(set);
        int[] shape = {set.size(), set.height(), set.width()};
        writeTensor(images, shape, set.pixels(0, set.size()));
        if (labels != null) {
            writeTensor(labels, new int[] {set.size()}, labelBytes);
        }
    }

    private static byte[] labelBytes(ImageSet set) {
        byte[] bytes = new byte[set.size()];
        for (int i = 0; i < bytes.length; i++) {
            int label = set.label(i);
            if (label < 0 || label > 255) {
                throw new IllegalArgumentException(
                        "IDX labels are unsigned bytes, but image %d has label %d"
                                .formatted(i, label));
            }
            bytes[i] = (byte) label;
        }
        return bytes;
    }

    private static void writeTensor(Path file, int[] shape, byte[] data) throws IOException {
        try (OutputStream fileOut = Files.newOutputStream(file);
                DataOutputStream out =
                        new DataOutputStream(
                                new BufferedOutputStream(new GZIPOutputStream(fileOut)))) {
            out.writeShort(0);
            out.writeByte(UNSIGNED_BYTE);
            out.writeByte(shape.length);
            for (int size : shape) {
                out.writeInt(size);
            }
            out.write(data);
        }
    }

    /**
     * The first items of a tensor file: {@code shape[0]} of them, of the {@code declared} items the
     * header gives.
     */
    private record Tensor(int[] shape, int declared, byte[] data) {}

    private static Tensor readTensor(Path file, int expectedRank, int limit) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        try {
            boolean gzipped = gzipped(file);
            try (InputStream in = open(file, gzipped)) {
                return parseTensor(in, expectedRank, limit, gzipped ? -1 : Files.size(file));
            }
        } catch (IOException e) {
            // Decompression and end-of-file errors carry no file name (or no message at all).
            String problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IOException(file + ": " + problem, e);
        }
    }

    /** The file's bytes, buffered, decompressed when they start with the gzip magic bytes. */
    static InputStream open(Path file) throws IOException {
        return open(file, gzipped(file));
    }

    private static InputStream open(Path file, boolean gzipped) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return gzipped ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
    }

    private static boolean gzipped(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == GZIP_MAGIC_FIRST && in.read() == GZIP_MAGIC_SECOND;
        }
    }

    /**
     * @param fileSize the file's length when it is not compressed, else -1: a header declaring more
     *     data than that is refused before the data's array is allocated
     */
    private static Tensor parseTensor(InputStream in, int expectedRank, int limit, long fileSize)
            throws IOException {
        byte[] header = in.readNBytes(4);
        if (header.length < 4) {
            throw new IOException(
                    "truncated: %d bytes, shorter than the IDX header".formatted(header.length));
        }
        if (header[0] != 0 || header[1] != 0) {
            throw new IOException(
                    "not an IDX file: magic number 0x%02x%02x%02x%02x does not start with two zero bytes"
                            .formatted(header[0], header[1], header[2], header[3]));
        }
        if (header[2] != UNSIGNED_BYTE) {
            throw new IOException(
                    "element type 0x%02x is not supported, only unsigned bytes (0x08)"
                            .formatted(header[2]));
        }
        int rank = header[3];
        if (rank != expectedRank) {
            throw new IOException(
                    "expected a %d-dimensional tensor (%s) but the header declares %d dimensions"
                            .formatted(
                                    expectedRank, expectedRank == 3 ? "images" : "labels", rank));
        }
        int[] shape = new int[rank];
        long elements = 1;
        long itemSize = 1;
        for (int d = 0; d < rank; d++) {
            byte[] sizeBytes = in.readNBytes(4);
            if (sizeBytes.length < 4) {
                throw new IOException("truncated inside the header");
            }
            shape[d] = ByteBuffer.wrap(sizeBytes).getInt();
            if (shape[d] < 0 || (d > 0 && shape[d] == 0)) {
                throw new IOException("dimension %d has invalid size %d".formatted(d, shape[d]));
            }
            elements *= shape[d];
            itemSize *= d > 0 ? shape[d] : 1;
            // checked per dimension: each is below 2^31, so the product cannot wrap around first
            if (elements > Integer.MAX_VALUE - 8) {
                throw new IOException(
                        "the header's dimensions %s already make too many elements to hold in"
                                        .formatted(declared(shape, d))
                                + " memory");
            }
        }
        long headerSize = 4 + 4L * rank;
        if (fileSize >= 0 && fileSize - headerSize < elements) {
            throw truncated(elements, fileSize - headerSize);
        }
        int declared = shape[0];
        shape[0] = Math.min(declared, limit);
        byte[] data = readData(in, shape[0] * itemSize, fileSize >= 0, elements);
        if (shape[0] == declared && in.read() != -1) {
            throw new IOException(
                    "corrupt: data continues after the %d bytes the header declares"
                            .formatted(elements));
        }
        return new Tensor(shape, declared, data);
    }

    /** Where a gzipped file's data array starts when its header declares more. */
    private static final int FIRST_CHUNK = 64 << 20;

    /**
     * The next {@code length} bytes, in one array of that size. Allocated whole where the file's
     * length vouches for them (uncompressed) or they are few, as Fashion-MNIST's are; else grown as
     * they arrive, doubling, so that a damaged header declaring gigabytes fails as truncated, not
     * out of memory (growing holds the data up to twice, as {@code readNBytes(int)} always does,
     * and only data that arrived).
     */
    private static byte[] readData(InputStream in, long length, boolean vouched, long declared)
            throws IOException {
        byte[] data = new byte[(int) (vouched ? length : Math.min(length, FIRST_CHUNK))];
        int filled = 0;
        while (true) {
            filled += in.readNBytes(data, filled, data.length - filled);
            if (filled < data.length) {
                throw truncated(declared, filled);
            }
            if (filled == length) {
                return data;
            }
            data = Arrays.copyOf(data, (int) Math.min(length, 2L * data.length));
        }
    }

    private static IOException truncated(long declared, long found) {
        return new IOException(
                "truncated: the header declares %d data bytes but only %d follow"
                        .formatted(declared, found));
    }

    /** The header's dimensions up to {@code last}: "4194304 × 2097152". */
    private static String declared(int[] shape, int last) {
        StringBuilder b = new StringBuilder();
        for (int d = 0; d <= last; d++) {
            b.append(d == 0 ? "" : " × ").append(shape[d]);
        }
        return b.toString();
    }
}
