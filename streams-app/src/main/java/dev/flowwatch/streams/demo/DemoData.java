package dev.flowwatch.streams.demo;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The demo's images: the full data sets under {@code data/} when fetched
 * (scripts/fetch-datasets.sh), else the committed sample. The first {@link #CALIBRATION_IMAGES}
 * normal test images calibrate the threshold and are never replayed.
 */
public record DemoData(ImageSet train, ImageSet calibration, ImageSet replay, ImageSet digits) {

    /** As many as the bundled model's calibration.json was made of (data/models/README.md). */
    public static final int CALIBRATION_IMAGES = 4000;

    /** Loads from the data directory of a checkout ({@code data}). */
    public static DemoData load(Path dataDir) throws IOException {
        ImageSet test =
                ImageSets.load(
                        first(
                                dataDir.resolve("fashion-mnist/t10k-images-idx3-ubyte.gz"),
                                dataDir.resolve("sample/fashion-mnist-test-images-idx3-ubyte.gz")));
        ImageSet train =
                ImageSets.load(
                        first(
                                dataDir.resolve("fashion-mnist/train-images-idx3-ubyte.gz"),
                                dataDir.resolve(
                                        "sample/fashion-mnist-train-images-idx3-ubyte.gz")));
        ImageSet digits =
                ImageSets.load(
                        first(
                                dataDir.resolve("mnist/mnist-images-idx3-ubyte.gz"),
                                dataDir.resolve("sample/mnist-images-idx3-ubyte.gz")));
        if (test.size() <= CALIBRATION_IMAGES) {
            throw new IOException(
                    test
                            + " has too few images: "
                            + CALIBRATION_IMAGES
                            + " calibrate the threshold and the rest are replayed");
        }
        return new DemoData(
                train,
                test.slice(0, CALIBRATION_IMAGES),
                test.slice(CALIBRATION_IMAGES, test.size()),
                digits);
    }

    private static Path first(Path preferred, Path fallback) {
        return Files.exists(preferred) ? preferred : fallback;
    }
}
