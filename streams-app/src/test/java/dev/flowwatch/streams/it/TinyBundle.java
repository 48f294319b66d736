package dev.flowwatch.streams.it;

import dev.flowwatch.streams.bench.TinyModel;

import java.nio.file.Path;

/**
 * A random-weight tiny Fashion-MNIST-shaped model: scores in milliseconds, enough to exercise the
 * app.
 */
final class TinyBundle {

    private TinyBundle() {}

    static Path write(Path dir) {
        return TinyModel.write(dir, "test-model");
    }
}
