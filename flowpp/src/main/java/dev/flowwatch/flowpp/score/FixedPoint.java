package dev.flowwatch.flowpp.score;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * Coordinates as a calibration stores them: each round(v / step) as a signed little-endian 16-bit
 * integer, row after row, in base64. Two bytes a coordinate keep a reference set of tens of
 * thousands of images in a few megabytes, and a step of 1/32767 of the largest coordinate is far
 * below any distance that matters. Values are always used as decoded, so a calibration read back
 * scores exactly as the one written.
 */
final class FixedPoint {

    private static final int LEVELS = Short.MAX_VALUE;

    private FixedPoint() {}

    /** The step that puts the largest magnitude among {@code rows} at the largest level. */
    static double step(float[][] rows) {
        float largest = 0;
        for (float[] row : rows) {
            for (float v : row) {
                largest = Math.max(largest, Math.abs(v));
            }
        }
        return largest > 0 ? largest / (double) LEVELS : 1;
    }

    /**
     * @throws IllegalArgumentException when a value is beyond the levels of {@code step}
     */
    static String encode(float[][] rows, double step) {
        int count = 0;
        for (float[] row : rows) {
            count += row.length;
        }
        ByteBuffer bytes = ByteBuffer.allocate(count * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            for (float v : row) {
                long level = Math.round(v / step);
                if (Math.abs(level) > LEVELS) {
                    throw new IllegalArgumentException(
                            "%s is beyond the 16-bit levels of step %s".formatted(v, step));
                }
                bytes.putShort((short) level);
            }
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    /**
     * The {@code count} values of {@code base64}.
     *
     * @throws IllegalArgumentException naming {@code what} when it is not base64 of as many values
     *     or the step is not positive and finite
     */
    static float[] decode(String base64, double step, int count, String what) {
        byte[] bytes;
        try {
            bytes = base64 == null ? new byte[0] : Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException notBase64) {
            throw new IllegalArgumentException(what + ": " + notBase64.getMessage());
        }
        if (!(step > 0 && Double.isFinite(step)) || bytes.length != 2L * count) {
            throw new IllegalArgumentException(
                    "inconsistent %s: %d bytes for %d coordinates, step %s"
                            .formatted(what, bytes.length, count, step));
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (buffer.getShort() * step);
        }
        return values;
    }
}
