package dev.flowwatch.streams.it;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;

import java.nio.file.Path;

/**
 * A random-weight tiny Fashion-MNIST-shaped model: scores in milliseconds, enough to exercise the
 * app.
 */
final class TinyBundle {

    private TinyBundle() {}

    static Path write(Path dir) {
        try (NDManager manager = NDManager.newBaseManager()) {
            FlowPlusPlus model = new FlowPlusPlus(FlowConfig.preset("tiny", 1, 28, 28));
            model.initialize(manager, DataType.FLOAT32);
            new BundleWriter(dir, "test-model").write(model);
        }
        return dir;
    }
}
