package dev.flowwatch.flowpp.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.flow.FlowContext;
import dev.flowwatch.flowpp.nn.Tensors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A freshly initialised model of every preset, data-initialised on real images as the trainer
 * does, has a finite loss and finite gradients on its first step (the paper preset once started
 * with NaN). The images are the 8×8 centres of Fashion-MNIST clothes, so that the full-size
 * architectures run in seconds.
 */
class PresetsFirstStepTest {

    private static final Path SAMPLE =
            Path.of("..", "data", "sample", "fashion-mnist-train-images-idx3-ubyte.gz");

    private static final int SIDE = 8;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(13);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny", "small", "paper", "large"})
    void firstStepOfAFreshModelIsFinite(String preset) throws IOException {
        FlowPlusPlus model = new FlowPlusPlus(FlowConfig.preset(preset, 1, SIDE, SIDE));
        model.initialize(manager, DataType.FLOAT32);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = centres(ImageSets.load(SAMPLE), 2);
            model.initializeFromData(x, 1);
            for (Pair<String, Parameter> p : model.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    p.getValue().getArray().setRequiresGradient(true);
                }
            }
            double loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray bpd =
                        Tensors.div(
                                model.elbo(x, FlowContext.fitting()).mean().neg(),
                                model.config().dimensions() * Math.log(2));
                collector.backward(bpd);
                loss = Tensors.scalar(bpd);
            }
            assertTrue(Double.isFinite(loss) && loss > 0, preset + " first loss " + loss);
            assertTrue(loss < 16, preset + " first loss " + loss + " bits/dim: worse than noise");
            for (Pair<String, Parameter> p : model.getParameters()) {
                if (!p.getValue().requiresGradient()) {
                    continue;
                }
                double norm =
                        Tensors.scalar(p.getValue().getArray().getGradient().square().sum());
                assertTrue(Double.isFinite(norm), preset + " gradient of " + p.getKey());
            }
        }
    }

    private NDArray centres(ImageSet images, int count) {
        int offset = (images.height() - SIDE) / 2;
        float[] pixels = new float[count * SIDE * SIDE];
        for (int n = 0; n < count; n++) {
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    pixels[(n * SIDE + y) * SIDE + x] = images.pixel(n, 0, offset + y, offset + x);
                }
            }
        }
        return manager.create(pixels, new Shape(count, 1, SIDE, SIDE));
    }
}
