package dev.flowwatch.flowpp.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.nn.GarbageCollections;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
        return optionsBuilder(maxSteps, validateEvery, mutation).build();
    }

    private static TrainingOptions.Builder optionsBuilder(
            long maxSteps, int validateEvery, double mutation) {
        return TrainingOptions.builder()
                .setBatchSize(32)
                .setEpochs(1000)
                .optLearningRate(3e-3)
                .optWarmupSteps(5)
                .optAverageDecay(0.9)
                .optMaxSteps(maxSteps)
                .optSeed(4)
                .optValidateEvery(validateEvery)
                .optValidationImages(128)
                .optMaxNonFiniteInRow(3)
                .optMutationRate(mutation);
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

    /**
     * A time limit counts the validations and checkpoints too (before, only the steps: a run
     * overran its --max-minutes by all of them); a checkpoint saved before elapsed time was kept
     * takes the steps' time.
     */
    @Test
    void elapsedTimeCountsValidationsAndCheckpointsAndStartsFromTheStepsTimeOfAnOldState() {
        TrainingProgress progress =
                new FlowTrainer(tinyModel(), manager, options(4, 1))
                        .fit(
                                bars(64, 1),
                                bars(256, 2),
                                dir.resolve("timed"),
                                "bars",
                                TrainingListener.NONE);
        assertTrue(
                progress.elapsedSeconds() > progress.trainingSeconds(),
                progress.elapsedSeconds()
                        + " s elapsed, "
                        + progress.trainingSeconds()
                        + " s of steps");
        TrainingProgress old =
                ModelBundleJson.read(
                        "{\"step\":3,\"trainingSeconds\":12.5,\"curve\":[]}",
                        TrainingProgress.class);
        assertEquals(12.5, old.elapsedSeconds());
    }

    /**
     * Failed before: a network attached to a new run's folder between its checkpoints (train-
     * orientation while the run trains on) was dropped by the next checkpoint.
     */
    @Test
    void whatIsAttachedBetweenARunsCheckpointsStays() {
        Path out = dir.resolve("attached");
        byte[] network = {42};
        TrainingListener attachAfterTheFirst =
                new TrainingListener() {
                    @Override
                    public void onStep(
                            TrainingProgress p, double bpd, double rate, long totalSteps) {
                        if (p.step() == 3) {
                            BundleWriter.addFiles(
                                    out, Map.of(ModelBundle.ORIENTATION + "/weights.bin", network));
                        }
                    }
                };

        new FlowTrainer(tinyModel(), manager, optionsBuilder(4, 4, 0).optCheckpointEvery(2).build())
                .fit(bars(64, 1), bars(32, 2), out, "bars", attachAfterTheFirst);

        assertEquals(
                4,
                ((Number) ModelBundle.readManifest(out).metrics().get("steps")).intValue(),
                "a checkpoint was written after it");
        assertArrayEquals(
                network,
                assertDoesNotThrow(
                        () ->
                                Files.readAllBytes(
                                        out.resolve(ModelBundle.ORIENTATION)
                                                .resolve("weights.bin"))));
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

        assertArraysIdentical(
                weights(ModelBundle.load(dir.resolve("straight"), manager).model()),
                weights(ModelBundle.load(dir.resolve("split"), manager).model()));
        assertEquals(
                0.25,
                ModelBundle.readManifest(dir.resolve("split"))
                        .metrics()
                        .get(BundleManifest.MUTATION_RATE));
    }

    /**
     * Training is a function of the seed alone, however busy the JVM: the second run has garbage
     * collected all the time, as a loaded machine does at moments nobody chooses. Before scalar
     * constants were owned by PyTorch ({@code Tensors.mul}), that run read freed memory in backward
     * and ended NaN or about one Adam step off.
     */
    @Test
    void twoSameSeedRunsInOneJvmGiveIdenticalWeights() {
        FlowTrainer quiet = trainSmall("quiet", 4, 0);
        FlowTrainer busy = GarbageCollections.during(() -> trainSmall("busy", 4, 0));
        assertWeightsIdentical(quiet, busy);
    }

    /**
     * Mutation, and nothing else, tells a background run from a plain one: two background runs of
     * one seed are identical, and a plain run of that seed is not.
     */
    @Test
    void backgroundRunFitsMutatedImagesNotTheImagesThemselves() {
        FlowTrainer plain = trainSmall("plain", 2, 0);
        FlowTrainer background = trainSmall("background", 2, 0.25);
        FlowTrainer again = trainSmall("again", 2, 0.25);
        assertWeightsIdentical(background, again);
        assertFalse(
                Arrays.deepEquals(weights(plain.model()), weights(background.model())),
                "mutation must change what is fitted");
        assertFalse(
                ModelBundle.readManifest(dir.resolve("plain"))
                        .metrics()
                        .containsKey(BundleManifest.MUTATION_RATE));
    }

    /**
     * The L2 penalty pulls every weight toward zero: after the same steps the penalised weights
     * have the smaller sum of squares, and the bundle records λ.
     */
    @Test
    void weightDecayShrinksTheWeightsAndIsRecorded() {
        FlowTrainer plain = trainSmall("plain", optionsBuilder(5, 100, 0.25).build());
        FlowTrainer decayed =
                trainSmall("decayed", optionsBuilder(5, 100, 0.25).optWeightDecay(1).build());
        double plainNorm = sumOfSquares(weights(plain.model()));
        double decayedNorm = sumOfSquares(weights(decayed.model()));
        assertTrue(
                decayedNorm < plainNorm * 0.99,
                "sum of squares " + decayedNorm + " with λ = 1 against " + plainNorm + " without");
        assertEquals(
                1.0,
                ModelBundle.readManifest(dir.resolve("decayed"))
                        .metrics()
                        .get(BundleManifest.WEIGHT_DECAY));
        assertFalse(
                ModelBundle.readManifest(dir.resolve("plain"))
                        .metrics()
                        .containsKey(BundleManifest.WEIGHT_DECAY));
    }

    private static double sumOfSquares(float[][] arrays) {
        double sum = 0;
        for (float[] array : arrays) {
            for (float v : array) {
                sum += v * (double) v;
            }
        }
        return sum;
    }

    /**
     * Gradient accumulation: the slices of a batch add up to the update of the whole batch. The
     * tiny preset has no dropout, and slices draw the batch's dequantization noise in the same
     * order, so only the order of float sums differs.
     */
    @Test
    void microBatchesGiveTheUpdateOfTheWholeBatch() {
        FlowTrainer whole = trainSmall("whole", optionsBuilder(3, 100, 0).build());
        FlowTrainer sliced =
                trainSmall("sliced", optionsBuilder(3, 100, 0).optMicroBatchSize(6).build());
        float[][] expected = weights(whole.model());
        float[][] actual = weights(sliced.model());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 2e-5f, "weight array " + i);
        }
    }

    /** A few steps of the tiny preset on 64 bars, checkpointed into {@code name}. */
    private FlowTrainer trainSmall(String name, long steps, double mutation) {
        return trainSmall(name, options(steps, 100, mutation));
    }

    private FlowTrainer trainSmall(String name, TrainingOptions options) {
        FlowTrainer trainer = new FlowTrainer(tinyModel(), manager, options);
        trainer.fit(bars(64, 1), bars(16, 2), dir.resolve(name), name, TrainingListener.NONE);
        return trainer;
    }

    private static float[][] weights(FlowPlusPlus model) {
        return Weights.trainable(model).stream().map(NDArray::toFloatArray).toArray(float[][]::new);
    }

    private static void assertWeightsIdentical(FlowTrainer a, FlowTrainer b) {
        assertArraysIdentical(weights(a.model()), weights(b.model()));
    }

    private static void assertArraysIdentical(float[][] first, float[][] second) {
        assertEquals(first.length, second.length);
        for (int i = 0; i < first.length; i++) {
            assertArrayEquals(first[i], second[i], 0f, "weight array " + i);
        }
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
