package dev.flowwatch.streams.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;

import java.nio.file.Path;

/**
 * A bundle of a random-weight {@code tiny} model for 28x28 grey images: it scores in milliseconds,
 * enough to exercise the app where the figures are not the model's.
 */
public final class TinyModel {

    private TinyModel() {}

    /** Writes the bundle into {@code dir} under {@code modelId}; returns {@code dir}. */
    public static Path write(Path dir, String modelId) {
        try (NDManager manager = NDManager.newBaseManager()) {
            FlowPlusPlus model = new FlowPlusPlus(FlowConfig.preset("tiny", 1, 28, 28));
            model.initialize(manager, DataType.FLOAT32);
            new BundleWriter(dir, modelId).write(model);
        }
        return dir;
    }
}
