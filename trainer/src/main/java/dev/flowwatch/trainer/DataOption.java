package dev.flowwatch.trainer;

import dev.flowwatch.trainer.Arguments.ExistingPath;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --data} option of the commands that read one set of images. */
final class DataOption {

    @Option(
            names = "--data",
            required = true,
            paramLabel = "PATH",
            converter = ExistingPath.class,
            description =
                    "Images: an IDX file (gzipped or not; labels are found beside it) or a folder"
                            + " of PNG/JPEG files.")
    private Path path;

    /** The images' file or folder as given. */
    Path path() {
        return path;
    }
}
