package dev.flowwatch.trainer;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.score.ImageStatistics;
import dev.flowwatch.trainer.Arguments.ExistingPath;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The {@code --dose-references} option: the normal images score kind dose compares shapes to. */
final class DoseReferencesOption {

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
        return ImageStatistics.of(references).shapes();
    }
}
