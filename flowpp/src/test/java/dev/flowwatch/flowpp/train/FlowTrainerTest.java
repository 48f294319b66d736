package dev.flowwatch.flowpp.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

class FlowTrainerTest {

    @TempDir Path dir;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /**
     * 8×8 images of a bright bar, horizontal or vertical, at a random place, on a dark background.
     */
    static ImageSet bars(int count, long seed) {
        Random random = new Random(seed);
        byte[] pixels = new byte[count * 64];
        for (int n = 0; n < count; n++) {
            boolean vertical = random.nextBoolean();
            int at = random.nextInt(8);
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    boolean on = vertical ? j == at : i == at;
                    int value = on ? 200 + random.nextInt(40) : random.nextInt(20);
                    pixels[n * 64 + i * 8 + j] = (byte) value;
                }
            }
        }
        return ImageSet.of(pixels, 1, 8, 8, null, "bars(" + count + ")");
    }

    private FlowPlusPlus tinyModel() {
        FlowPlusPlus model = new FlowPlusPlus(FlowConfig.preset("tiny", 1, 8, 8));
        model.initialize(manager, DataType.FLOAT32);
        return model;
    }

    private static TrainingOptions options(long maxSteps, int validateEvery) {
        return options(maxSteps, validateEvery, 0);
    }

    private static TrainingOptions options(long maxSteps, int validateEvery, double mutation) {
        return new TrainingOptions(
                32, 3e-3, 5, 100, 0.9, 1000, maxSteps, 0, 4, validateEvery, 0, 128, 3, mutation);
    }

    @Test
    void trainingLowersValidationBitsPerDimClearly() {
        FlowTrainer trainer = new FlowTrainer(tinyModel(), manager, options(60, 10));
        TrainingProgress progress =
                trainer.fit(
                        bars(512, 1),
                        bars(128, 2),
                        dir.resolve("m"),
                        "bars",
                        TrainingListener.NONE);
        List<Double> validation =
                progress.curve().stream()
                        .filter(p -> p.split().equals("validation"))
                        .map(TrainingProgress.CurvePoint::bitsPerDim)
                        .toList();
        double first = validation.get(0);
        double last = validation.get(validation.size() - 1);
        assertTrue(last < first - 1.0, "validation bits/dim went from " + first + " to " + last);
        assertEquals(
                60.0,
                ((Number) ModelBundle.readManifest(dir.resolve("m")).metrics().get("steps"))
                        .doubleValue(),
                "final checkpoint");
    }

    /** A background run: the pixel mutations too must depend only on (seed, step). */
    @Test
    void resumedRunTakesExactlyTheStepsOfAnUninterruptedOne() {
        ImageSet train = bars(256, 1);
        ImageSet validation = bars(64, 2);
        new FlowTrainer(tinyModel(), manager, options(6, 3, 0.25))
                .fit(train, validation, dir.resolve("straight"), "b", TrainingListener.NONE);
        new FlowTrainer(tinyModel(), manager, options(3, 3, 0.25))
                .fit(train, validation, dir.resolve("split"), "b", TrainingListener.NONE);
        FlowTrainer resumed =
                FlowTrainer.resume(dir.resolve("split"), manager, options(6, 3, 0.25));
        assertEquals(3, resumed.progress().step());
        resumed.fit(train, validation, dir.resolve("split"), "b", TrainingListener.NONE);

        assertWeightsEqual(dir.resolve("straight"), dir.resolve("split"), true);
        assertEquals(
                0.25,
                ModelBundle.readManifest(dir.resolve("split"))
                        .metrics()
                        .get(BundleManifest.MUTATION_RATE));
    }

    @Test
    void backgroundRunFitsMutatedImagesNotTheImagesThemselves() {
        ImageSet train = bars(256, 1);
        ImageSet validation = bars(64, 2);
        new FlowTrainer(tinyModel(), manager, options(3, 3))
                .fit(train, validation, dir.resolve("plain"), "p", TrainingListener.NONE);
        new FlowTrainer(tinyModel(), manager, options(3, 3, 0.25))
                .fit(train, validation, dir.resolve("mutated"), "m", TrainingListener.NONE);

        assertWeightsEqual(dir.resolve("plain"), dir.resolve("mutated"), false);
        assertFalse(
                ModelBundle.readManifest(dir.resolve("plain"))
                        .metrics()
                        .containsKey(BundleManifest.MUTATION_RATE));
    }

    private void assertWeightsEqual(Path a, Path b, boolean equal) {
        List<NDArray> first = Weights.trainable(ModelBundle.load(a, manager).model());
        List<NDArray> second = Weights.trainable(ModelBundle.load(b, manager).model());
        boolean same = true;
        for (int i = 0; i < first.size(); i++) {
            float[] x = first.get(i).toFloatArray();
            float[] y = second.get(i).toFloatArray();
            for (int j = 0; j < x.length; j++) {
                same &= Math.abs(x[j] - y[j]) <= 1e-6f;
            }
        }
        assertEquals(equal, same, a + " vs " + b);
    }

    @Test
    void persistentNonFiniteLossAbortsWithAClearMessage() {
        FlowPlusPlus model = tinyModel();
        model.getParameters().get(0).getValue().getArray().muli(Float.NaN);
        FlowTrainer trainer = new FlowTrainer(model, manager, options(50, 10));
        TrainingAbortedException e =
                assertThrows(
                        TrainingAbortedException.class,
                        () ->
                                trainer.fit(
                                        bars(256, 1),
                                        bars(64, 2),
                                        dir.resolve("nan"),
                                        "nan",
                                        TrainingListener.NONE));
        assertTrue(e.getMessage().contains("3 steps in a row had a NaN/Inf loss"), e.getMessage());
    }
}
