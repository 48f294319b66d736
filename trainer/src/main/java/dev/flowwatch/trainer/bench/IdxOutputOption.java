package dev.flowwatch.trainer.bench;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --out}: where a converter writes its images, and its labels beside them. */
final class IdxOutputOption {

    @Option(
            names = "--out",
            required = true,
            paramLabel = "FILE",
            description =
                    "The images file to write, gzipped IDX, its name containing 'images'; the"
                            + " labels go beside it ('labels', idx1).")
    private Path images;

    Path images() {
        return images;
    }
}
