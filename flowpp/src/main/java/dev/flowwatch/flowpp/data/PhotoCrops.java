package dev.flowwatch.flowpp.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Square crops of photographs, grey and at a model's size: the "photographs cropped to the model's
 * size" anomalies of the detection benchmark.
 *
 * <p>Each crop draws, from one {@link Random} seeded for the whole set: a photograph (uniformly), a
 * side s log-uniformly between the model's side and the photograph's shorter side (so every scale,
 * from single texture cells to the whole scene, is as likely), and a position (uniformly).
 * The photograph is made grey with the ITU-R BT.601 luma weights (Y = 0.299 R + 0.587 G + 0.114
 * B, what JPEG and PIL use) and the s×s crop is reduced to the model's side by area averaging.
 */
public final class PhotoCrops {

    private static final double LUMA_RED = 0.299;
    private static final double LUMA_GREEN = 0.587;
    private static final double LUMA_BLUE = 0.114;

    private PhotoCrops() {}

    /** A photograph's luma, row-major, 0..255. */
    private record Grey(Path file, int height, int width, float[] pixels) {}

    /**
     * {@code count} crops of {@code side}×{@code side} from the photographs (PNG or JPEG), labelled
     * with the index in {@code photos} of the photograph each comes from.
     *
     * @throws IOException naming the file when a photograph cannot be read
     * @throws IllegalArgumentException when a photograph is smaller than {@code side}, when there
     *     are no photographs, or when count or side is below 1
     */
    public static ImageSet read(List<Path> photos, int count, int side, long seed)
            throws IOException {
        if (photos.isEmpty()) {
            throw new IllegalArgumentException("no photographs to crop");
        }
        if (count < 1 || side < 1) {
            throw new IllegalArgumentException(
                    "count and side must be at least 1, got %d and %d".formatted(count, side));
        }
        List<Grey> greys = new ArrayList<>(photos.size());
        for (Path file : photos) {
            Grey grey = luma(ImageFolder.decode(file));
            if (Math.min(grey.height(), grey.width()) < side) {
                throw new IllegalArgumentException(
                        "%s is %d×%d, smaller than the %d×%d crops"
                                .formatted(file, grey.width(), grey.height(), side, side));
            }
            greys.add(grey);
        }
        Random random = new Random(seed);
        int plane = side * side;
        byte[] pixels = new byte[count * plane];
        int[] labels = new int[count];
        for (int n = 0; n < count; n++) {
            int photo = random.nextInt(greys.size());
            Grey grey = greys.get(photo);
            int shorter = Math.min(grey.height(), grey.width());
            double scale = Math.pow((double) shorter / side, random.nextDouble());
            int crop = (int) Math.min(shorter, Math.round(side * scale));
            int top = random.nextInt(grey.height() - crop + 1);
            int left = random.nextInt(grey.width() - crop + 1);
            float[] reduced =
                    Resampling.areaMean(
                            grey.pixels(), grey.width(), top, left, crop, crop, side, side);
            for (int p = 0; p < plane; p++) {
                pixels[n * plane + p] = (byte) Math.round(Math.max(0f, Math.min(255f, reduced[p])));
            }
            labels[n] = photo;
        }
        return ImageSet.wrap(
                pixels,
                1,
                side,
                side,
                labels,
                "%d crops of %d photographs (seed %d)".formatted(count, photos.size(), seed));
    }

    private static Grey luma(ImageFolder.Decoded image) {
        int plane = image.height() * image.width();
        byte[] in = image.pixels();
        float[] out = new float[plane];
        for (int p = 0; p < plane; p++) {
            out[p] =
                    image.channels() == 1
                            ? in[p] & 0xFF
                            : (float)
                                    (LUMA_RED * (in[p] & 0xFF)
                                            + LUMA_GREEN * (in[plane + p] & 0xFF)
                                            + LUMA_BLUE * (in[2 * plane + p] & 0xFF));
        }
        return new Grey(image.file(), image.height(), image.width(), out);
    }
}
