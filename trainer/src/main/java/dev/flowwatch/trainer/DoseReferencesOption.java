package dev.flowwatch.trainer;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.score.ImageStatistics;
import dev.flowwatch.trainer.Arguments.ExistingPath;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32;

/** The {@code --dose-references} option: the normal images score kind dose compares shapes to. */
final class DoseReferencesOption {

    /** The share of the calibration images the references may hold (duplicates across splits). */
    private static final double MAX_SHARED = 0.01;

    @Option(
            names = "--dose-references",
            paramLabel = "PATH",
            converter = ExistingPath.class,
            description =
                    "Normal images the shape part of score kind dose compares each image's shape"
                            + " to, an IDX file or a folder as --data: best the model's training"
                            + " images, all of them (the more, the tighter a normal image's"
                            + " distance); never the calibration images themselves. Their"
                            + " coordinates are stored in the calibration, 128 bytes per image."
                            + " Default: the even-indexed calibration images.")
    private Path path;

    /** Whether the option was given. */
    boolean given() {
        return path != null;
    }

    /**
     * The references' shape descriptors, or null for the default.
     *
     * @throws IllegalArgumentException when the references' size is not the images'
     */
    float[][] descriptors(ImageSet images) throws IOException {
        if (path == null) {
            return null;
        }
        ImageSet references = ImageSets.load(path);
        if (references.channels() != images.channels()
                || references.height() != images.height()
                || references.width() != images.width()) {
            throw new IllegalArgumentException(
                    "the dose references %s are %dx%dx%d images, the calibration's %dx%dx%d"
                            .formatted(
                                    path,
                                    references.channels(),
                                    references.height(),
                                    references.width(),
                                    images.channels(),
                                    images.height(),
                                    images.width()));
        }
        requireApart(references, images);
        return ImageStatistics.of(references).shapes();
    }

    /**
     * Refuses references that hold more than {@link #MAX_SHARED} of the calibration images: each
     * would be its own nearest reference, at distance 0, which makes the shape part's null too
     * small and its p-values too small (more false alarms than the rate asked for). A few shared
     * images are allowed: data sets hold some exact duplicates across their splits.
     */
    private void requireApart(ImageSet references, ImageSet images) {
        Set<Long> known = new HashSet<>();
        for (int i = 0; i < references.size(); i++) {
            known.add(key(references.pixels(i, i + 1)));
        }
        int shared = 0;
        for (int i = 0; i < images.size(); i++) {
            shared += known.contains(key(images.pixels(i, i + 1))) ? 1 : 0;
        }
        if (shared > MAX_SHARED * images.size()) {
            throw new IllegalArgumentException(
                    ("the dose references %s hold %d of the %d calibration images: give other"
                                    + " normal images (best the model's training images), never"
                                    + " the calibration images themselves")
                            .formatted(path, shared, images.size()));
        }
    }

    /** A 64-bit key of an image's pixels: two independent 32-bit hashes. */
    private static long key(byte[] pixels) {
        CRC32 crc = new CRC32();
        crc.update(pixels);
        return ((long) Arrays.hashCode(pixels) << 32) ^ crc.getValue();
    }
}
