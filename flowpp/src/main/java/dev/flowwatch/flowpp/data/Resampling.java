package dev.flowwatch.flowpp.data;

/**
 * Resizing of one grey plane (row-major floats on the 0..255 scale) for the real-data anomaly sets
 * of the detection benchmark ({@link UciDigits}, {@link PhotoCrops}).
 */
final class Resampling {

    private Resampling() {}

    /**
     * Bilinear interpolation with pixel centres aligned: output pixel x samples the source at
     * {@code (x + 0.5) · width / newWidth − 0.5}, clamped to the outermost centres (so the edges
     * are extended, not faded), as PIL's and OpenCV's bilinear resize do when enlarging.
     */
    static float[] bilinear(float[] plane, int height, int width, int newHeight, int newWidth) {
        float[] out = new float[newHeight * newWidth];
        for (int y = 0; y < newHeight; y++) {
            double sy = sourceCoordinate(y, height, newHeight);
            int y0 = (int) Math.floor(sy);
            int y1 = Math.min(height - 1, y0 + 1);
            double fy = sy - y0;
            for (int x = 0; x < newWidth; x++) {
                double sx = sourceCoordinate(x, width, newWidth);
                int x0 = (int) Math.floor(sx);
                int x1 = Math.min(width - 1, x0 + 1);
                double fx = sx - x0;
                double top = (1 - fx) * plane[y0 * width + x0] + fx * plane[y0 * width + x1];
                double bottom = (1 - fx) * plane[y1 * width + x0] + fx * plane[y1 * width + x1];
                out[y * newWidth + x] = (float) ((1 - fy) * top + fy * bottom);
            }
        }
        return out;
    }

    private static double sourceCoordinate(int index, int size, int newSize) {
        double s = (index + 0.5) * size / newSize - 0.5;
        return Math.max(0, Math.min(size - 1, s));
    }

    /**
     * Area averaging of the crop {@code [top, top + cropHeight) × [left, left + cropWidth)} down to
     * newHeight × newWidth: each output pixel is the mean of the source area it covers, source
     * pixels cut by its border counted with the share that lies inside (what PIL's {@code
     * Image.reduce} and OpenCV's {@code INTER_AREA} do). Separable: rows first, then columns.
     */
    static float[] areaMean(
            float[] plane,
            int width,
            int top,
            int left,
            int cropHeight,
            int cropWidth,
            int newHeight,
            int newWidth) {
        Span[] rows = areaSpans(cropHeight, newHeight);
        Span[] columns = areaSpans(cropWidth, newWidth);
        // columns averaged down first, for every row of the crop
        double[] narrow = new double[cropHeight * newWidth];
        for (int y = 0; y < cropHeight; y++) {
            int row = (top + y) * width + left;
            for (int x = 0; x < newWidth; x++) {
                Span span = columns[x];
                double sum = 0;
                for (int i = 0; i < span.weights().length; i++) {
                    sum += span.weights()[i] * plane[row + span.first() + i];
                }
                narrow[y * newWidth + x] = sum;
            }
        }
        float[] out = new float[newHeight * newWidth];
        for (int y = 0; y < newHeight; y++) {
            Span span = rows[y];
            for (int x = 0; x < newWidth; x++) {
                double sum = 0;
                for (int i = 0; i < span.weights().length; i++) {
                    sum += span.weights()[i] * narrow[(span.first() + i) * newWidth + x];
                }
                out[y * newWidth + x] = (float) sum;
            }
        }
        return out;
    }

    /** The source pixels {@code first, first + 1, ...} one output pixel averages, and weights. */
    private record Span(int first, double[] weights) {}

    /**
     * For each of {@code outputs} output pixels along one axis of {@code inputs} source pixels: the
     * source pixels it covers and the share of it that each one fills (summing to 1).
     */
    private static Span[] areaSpans(int inputs, int outputs) {
        double scale = (double) inputs / outputs;
        Span[] spans = new Span[outputs];
        for (int o = 0; o < outputs; o++) {
            double from = o * scale;
            double to = (o + 1) * scale;
            int first = (int) Math.floor(from);
            int end = (int) Math.min(inputs, Math.ceil(to));
            double[] weights = new double[end - first];
            for (int i = first; i < end; i++) {
                weights[i - first] = (Math.min(i + 1, to) - Math.max(i, from)) / scale;
            }
            spans[o] = new Span(first, weights);
        }
        return spans;
    }
}
