package dev.flowwatch.trainer;

import dev.flowwatch.flowpp.data.IdxFormat;
import dev.flowwatch.flowpp.data.ImageSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * Small labelled 8×8 gray images with some structure, written as IDX files for the commands to
 * read.
 */
public final class TinyData {

    static final int SIZE = 8;

    private TinyData() {}

    /** Writes {@code count} images (and labels beside them) and returns the images file. */
    public static Path write(Path dir, String name, int count, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] pixels = new byte[count * SIZE * SIZE];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % 3;
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    // a class-dependent gradient plus noise: neither constant nor pure noise
                    int value =
                            20 * (labels[i] == 0 ? x : labels[i] == 1 ? y : (x + y) / 2)
                                    + random.nextInt(60);
                    pixels[(i * SIZE + y) * SIZE + x] = (byte) Math.min(255, value);
                }
            }
        }
        Path images = dir.resolve(name + "-images-idx3-ubyte.gz");
        IdxFormat.write(images, ImageSet.of(pixels, 1, SIZE, SIZE, labels, name));
        return images;
    }
}
