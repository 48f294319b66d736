package dev.flowwatch.flowpp.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The UCI optical recognition of handwritten digits data (Alpaydin and Kaynak, 1998; the test set
 * that scikit-learn ships as {@code sklearn/datasets/data/digits.csv.gz}), laid out as MNIST is:
 * another handwriting source for the detection benchmark.
 *
 * <p>The file has one digit per line: 64 comma-separated integers 0..16, an 8×8 image row by row
 * (the count of inked pixels in a 4×4 block of a 32×32 bitmap, so ink is high as in MNIST), then
 * the label 0..9. Gzipped or not (recognised from the gzip magic bytes).
 *
 * <p>MNIST's layout (LeCun et al.): the digit scaled to fit a 20×20 box, then placed in a 28×28
 * black canvas so that its centre of mass lies at the canvas centre. Here the whole 8×8 frame is
 * scaled to the box bilinearly, its levels stretched from 0..16 to 0..255; the shift that centres
 * the mass is rounded to whole pixels and limited so that the box stays inside the canvas.
 */
public final class UciDigits {

    /** Side of the digits in the file. */
    public static final int SIDE = 8;

    /** The highest level in the file: all 16 pixels of a 4×4 block inked. */
    public static final int MAX_LEVEL = 16;

    /** MNIST's box and canvas sides. */
    public static final int MNIST_BOX = 20;

    public static final int MNIST_CANVAS = 28;

    private UciDigits() {}

    /**
     * Reads every digit of the file into 28×28 images in MNIST's layout, labelled.
     *
     * @throws IOException naming the file and line when a line is not 65 integers in range
     */
    public static ImageSet read(Path csv) throws IOException {
        List<int[]> rows = new ArrayList<>();
        try (BufferedReader in = reader(csv)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (!line.isBlank()) {
                    rows.add(parse(csv, number, line));
                }
            }
        }
        if (rows.isEmpty()) {
            throw new IOException(csv + ": no digits in the file");
        }
        int plane = MNIST_CANVAS * MNIST_CANVAS;
        byte[] pixels = new byte[rows.size() * plane];
        int[] labels = new int[rows.size()];
        for (int n = 0; n < rows.size(); n++) {
            int[] row = rows.get(n);
            float[] digit = new float[SIDE * SIDE];
            for (int p = 0; p < digit.length; p++) {
                digit[p] = row[p] * 255f / MAX_LEVEL;
            }
            byte[] image = mnistLayout(digit, SIDE, SIDE, MNIST_BOX, MNIST_CANVAS);
            System.arraycopy(image, 0, pixels, n * plane, plane);
            labels[n] = row[SIDE * SIDE];
        }
        String description = "UCI digits in MNIST layout (" + csv + ")";
        return ImageSet.wrap(pixels, 1, MNIST_CANVAS, MNIST_CANVAS, labels, description);
    }

    /**
     * One grey image (levels 0..255, ink high) scaled bilinearly to {@code box}×{@code box} and
     * placed in a black {@code canvas}×{@code canvas} image with its centre of mass as near the
     * centre as the canvas allows; a blank image is placed in the middle.
     */
    public static byte[] mnistLayout(float[] image, int height, int width, int box, int canvas) {
        float[] scaled = Resampling.bilinear(image, height, width, box, box);
        double mass = 0;
        double rowMoment = 0;
        double columnMoment = 0;
        for (int y = 0; y < box; y++) {
            for (int x = 0; x < box; x++) {
                float v = scaled[y * box + x];
                mass += v;
                rowMoment += v * y;
                columnMoment += v * x;
            }
        }
        double centre = (box - 1) / 2.0;
        double massRow = mass > 0 ? rowMoment / mass : centre;
        double massColumn = mass > 0 ? columnMoment / mass : centre;
        int top = placement(massRow, box, canvas);
        int left = placement(massColumn, box, canvas);
        byte[] out = new byte[canvas * canvas];
        for (int y = 0; y < box; y++) {
            for (int x = 0; x < box; x++) {
                int level = Math.round(Math.max(0f, Math.min(255f, scaled[y * box + x])));
                out[(top + y) * canvas + left + x] = (byte) level;
            }
        }
        return out;
    }

    /** Where the box starts so that {@code massAt} (in box pixels) lands on the canvas centre. */
    private static int placement(double massAt, int box, int canvas) {
        int start = (int) Math.round((canvas - 1) / 2.0 - massAt);
        return Math.max(0, Math.min(canvas - box, start));
    }

    private static int[] parse(Path csv, int number, String line) throws IOException {
        String[] fields = line.split(",", -1);
        if (fields.length != SIDE * SIDE + 1) {
            throw new IOException(
                    "%s line %d: %d values, expected %d pixels and a label"
                            .formatted(csv, number, fields.length, SIDE * SIDE));
        }
        int[] row = new int[fields.length];
        for (int i = 0; i < fields.length; i++) {
            int max = i < SIDE * SIDE ? MAX_LEVEL : 255;
            try {
                row[i] = Integer.parseInt(fields[i].trim());
            } catch (NumberFormatException e) {
                throw new IOException(
                        "%s line %d: value %d, '%s', is not an integer"
                                .formatted(csv, number, i + 1, fields[i]),
                        e);
            }
            if (row[i] < 0 || row[i] > max) {
                throw new IOException(
                        "%s line %d: value %d is %d, outside 0..%d"
                                .formatted(csv, number, i + 1, row[i], max));
            }
        }
        return row;
    }

    private static BufferedReader reader(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        return new BufferedReader(
                new InputStreamReader(IdxFormat.open(file), StandardCharsets.US_ASCII));
    }
}
