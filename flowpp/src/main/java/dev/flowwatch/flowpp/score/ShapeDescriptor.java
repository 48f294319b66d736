package dev.flowwatch.flowpp.score;

/**
 * An image's shape as histograms of its gradients' orientations over a grid of cells (HOG, Dalal
 * and Triggs, CVPR 2005, without the block normalisation): what {@link NearestNormals} compares.
 *
 * <p>The flow's statistics say how costly an image is to code, and the layout where its intensity
 * lies, but neither sees which way its edges run: a garment upside down, turned, or two garments
 * laid over each other cost about the bits of one garment. Edges are what the orientation
 * histograms keep, cell by cell. Each bin's magnitude sum is square-rooted (Hellinger's
 * variance-stabilising transform: a few strong edges do not drown the rest) and the whole vector is
 * scaled to unit length, so the descriptor does not change when the image's contrast is scaled; the
 * flow's own statistics judge contrast. A constant image, without edges, gives the zero vector.
 */
public final class ShapeDescriptor {

    /** Side of a cell in pixels: 7×7 cells on a 28×28 image, 8×8 on 32×32. */
    static final int CELL = 4;

    /** Unsigned orientations over 0..π: an edge and its inverse count alike. */
    static final int BINS = 9;

    private ShapeDescriptor() {}

    /**
     * The descriptor of one image, channels averaged.
     *
     * @param pixels unsigned bytes in C, H, W order
     */
    public static float[] of(byte[] pixels, int channels, int height, int width) {
        double[][] intensity = ImageStatistics.intensity(pixels, channels, height, width);
        int rows = cells(height);
        int columns = cells(width);
        int cellHeight = height / rows;
        int cellWidth = width / columns;
        double[] histogram = new double[rows * columns * BINS];
        for (int y = 0; y < rows * cellHeight; y++) {
            for (int x = 0; x < columns * cellWidth; x++) {
                // central differences, none across the border
                double gx = x > 0 && x < width - 1 ? intensity[y][x + 1] - intensity[y][x - 1] : 0;
                double gy = y > 0 && y < height - 1 ? intensity[y + 1][x] - intensity[y - 1][x] : 0;
                double magnitude = Math.hypot(gx, gy);
                if (magnitude == 0) {
                    continue;
                }
                // atan2 gives (−π, π]; folded onto [0, π)
                double angle = Math.atan2(gy, gx);
                if (angle < 0) {
                    angle += Math.PI;
                } else if (angle >= Math.PI) {
                    angle -= Math.PI;
                }
                int bin = Math.min(BINS - 1, (int) (angle / Math.PI * BINS));
                histogram[((y / cellHeight) * columns + x / cellWidth) * BINS + bin] += magnitude;
            }
        }
        double norm = 0;
        for (int i = 0; i < histogram.length; i++) {
            histogram[i] = Math.sqrt(histogram[i]);
            norm += histogram[i] * histogram[i];
        }
        float[] descriptor = new float[histogram.length];
        if (norm > 0) {
            double scale = 1 / Math.sqrt(norm);
            for (int i = 0; i < descriptor.length; i++) {
                descriptor[i] = (float) (histogram[i] * scale);
            }
        }
        return descriptor;
    }

    /** Cells along a side: whole cells of {@link #CELL} pixels, at least one. */
    private static int cells(int size) {
        return Math.max(1, size / CELL);
    }
}
