package dev.flowwatch.trainer;

import dev.flowwatch.flowpp.bundle.ModelBundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Copies of a trained bundle, for tests that change one while others read the original. */
final class BundleCopies {

    private BundleCopies() {}

    /** A bundle in {@code to} with {@code bundle}'s manifest and weights and nothing else. */
    static Path weightsOnly(Path bundle, Path to) throws IOException {
        Files.createDirectories(to);
        for (String file : List.of(ModelBundle.MANIFEST, ModelBundle.PARAMETERS)) {
            Files.copy(bundle.resolve(file), to.resolve(file));
        }
        return to;
    }
}
