package dev.flowwatch.flowpp.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.flow.FlowChecks;
import dev.flowwatch.flowpp.orientation.OrientationConfig;
import dev.flowwatch.flowpp.orientation.OrientationNet;
import dev.flowwatch.flowpp.train.Weights;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

class LikelihoodScorerTest {

    /** A random tiny model on 1×4×4 images, frozen as a loaded bundle's. */
    private static FlowPlusPlus frozenTinyModel(
            NDManager manager, Dequantization dequantization, long seed) {
        FlowPlusPlus model =
                new FlowPlusPlus(
                        FlowConfig.presetBuilder("tiny", 1, 4, 4)
                                .optDequantization(dequantization)
                                .build());
        FlowChecks.initializeRandomly(model, manager, new Shape(1, 1, 4, 4), seed);
        Weights.freeze(model);
        return model;
    }

    @Test
    void batchesScoredOnSeveralThreadsAtOnceGetTheScoresOfOneAtATime() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            OrientationNet orientation = new OrientationNet(new OrientationConfig(1, 4, 4, 4));
            orientation.initialize(manager, DataType.FLOAT64);
            Weights.freeze(orientation);
            assertBatchesScoreAtOnceAsOneAtATime(
                    new LikelihoodScorer(
                                    frozenTinyModel(manager, Dequantization.VARIATIONAL, 3),
                                    frozenTinyModel(manager, Dequantization.UNIFORM, 4),
                                    manager,
                                    42)
                            .withOrientation(orientation));
        }
    }

    @Test
    void aSetScoredInSeveralPassesAtOnceGetsTheScoresOfOnePassInOrder() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LikelihoodScorer scorer =
                    new LikelihoodScorer(
                            frozenTinyModel(manager, Dequantization.VARIATIONAL, 5),
                            frozenTinyModel(manager, Dequantization.UNIFORM, 6),
                            manager,
                            42);
            ImageSet images = randomImages(23);
            List<Integer> reported = new ArrayList<>();
            List<Boolean> gradModes = new ArrayList<>();
            LikelihoodScorer.Scores one = scorer.scoreAll(images, 4, 2, 1, n -> {});
            LikelihoodScorer.Scores three =
                    scorer.scoreAll(
                            images,
                            4,
                            2,
                            3,
                            n -> {
                                reported.add(n);
                                gradModes.add(JniUtils.isGradMode());
                            });

            assertArrayEquals(one.elboNats(), three.elboNats());
            assertArrayEquals(one.iwNats(), three.iwNats());
            assertArrayEquals(one.backgroundBitsPerDim(), three.backgroundBitsPerDim());
            for (int t = 0; t < one.terms().names().size(); t++) {
                assertArrayEquals(one.terms().values()[t], three.terms().values()[t]);
            }
            // each image's score is its own batch's, not another's of the same size
            assertArrayEquals(
                    scorer.score(images.toFloats(20, 23), 3, 2).elboNats(),
                    Arrays.copyOfRange(three.elboNats(), 20, 23));
            assertEquals(6, reported.size(), "one report per batch");
            for (int i = 1; i < reported.size(); i++) {
                assertTrue(reported.get(i) > reported.get(i - 1), "rising: " + reported);
            }
            assertEquals(23, reported.get(reported.size() - 1));
            // on the passes' own threads, where PyTorch's grad mode starts on
            assertEquals(List.of(false), gradModes.stream().distinct().toList());
        }
    }

    /**
     * Failed before (noise drawn per batch went by the place in the batch): an event's score moved
     * with how the stream batched it.
     */
    @Test
    void anImagesScoresDependOnTheImageAloneNotOnItsBatchOrPlaceInIt() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LikelihoodScorer scorer =
                    new LikelihoodScorer(
                            frozenTinyModel(manager, Dequantization.VARIATIONAL, 7),
                            frozenTinyModel(manager, Dequantization.VARIATIONAL, 8),
                            manager,
                            42);
            ImageSet images = randomImages(12);
            int[] reversed = new int[12];
            Arrays.setAll(reversed, i -> 11 - i);

            LikelihoodScorer.Scores together = scorer.scoreAll(images, 12, 2, 1, n -> {});
            LikelihoodScorer.Scores alone = scorer.scoreAll(images, 1, 2, 1, n -> {});
            LikelihoodScorer.Scores backwards =
                    scorer.scoreAll(images.select(reversed), 5, 2, 1, n -> {});
            LikelihoodScorer.Scores twice =
                    scorer.scoreAll(images.select(new int[] {3, 0, 3}), 3, 2, 1, n -> {});

            for (int i = 0; i < 12; i++) {
                String image = "image " + i;
                assertEquals(together.elboNats()[i], alone.elboNats()[i], 1e-3, image);
                assertEquals(together.elboNats()[i], backwards.elboNats()[11 - i], 1e-3, image);
                assertEquals(together.iwNats()[i], alone.iwNats()[i], 1e-3, image);
                assertEquals(
                        together.backgroundBitsPerDim()[i],
                        backwards.backgroundBitsPerDim()[11 - i],
                        1e-4,
                        image);
            }
            assertEquals(twice.elboNats()[0], twice.elboNats()[2], 1e-3);
            // each importance sample takes noise of its own: a bound of one sample is not the ELBO
            LikelihoodScorer.Scores oneSample = scorer.scoreAll(images, 12, 1, 1, n -> {});
            for (int i = 0; i < 12; i++) {
                assertTrue(
                        Math.abs(oneSample.iwNats()[i] - oneSample.elboNats()[i]) > 1e-2,
                        "image " + i);
            }
        }
    }

    @Test
    void aBatchSizeBeyondTheSetIsOneBatchUpToTheLargestInt() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LikelihoodScorer scorer =
                    new LikelihoodScorer(
                            frozenTinyModel(manager, Dequantization.UNIFORM, 8), manager, 42);
            ImageSet images = randomImages(5);
            assertArrayEquals(
                    scorer.score(images.toFloats(0, 5), 5, 0).elboNats(),
                    scorer.scoreAll(images, Integer.MAX_VALUE, 0, 2, n -> {}).elboNats());
        }
    }

    @Test
    void aFailingPassStopsTheOthersTakingBatchesAndReachesTheCaller() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LikelihoodScorer scorer =
                    new LikelihoodScorer(
                            frozenTinyModel(manager, Dequantization.UNIFORM, 7), manager, 42);
            AtomicInteger calls = new AtomicInteger();
            IllegalStateException failure = new IllegalStateException("disk full");
            IllegalStateException thrown =
                    assertThrows(
                            IllegalStateException.class,
                            () ->
                                    scorer.scoreAll(
                                            randomImages(40),
                                            2,
                                            0,
                                            3,
                                            n -> {
                                                if (calls.incrementAndGet() == 1) {
                                                    throw failure;
                                                }
                                            }));
            assertSame(failure, thrown);
            // the failing batch and the two others' batches in flight, not all 20
            assertTrue(calls.get() <= 5, calls + " batches scored");
        }
    }

    /** {@code n} random 1×4×4 images. */
    private static ImageSet randomImages(int n) {
        byte[] pixels = new byte[n * 16];
        new Random(11).nextBytes(pixels);
        return ImageSet.of(pixels, 1, 4, 4, null, "random");
    }

    private static void assertBatchesScoreAtOnceAsOneAtATime(LikelihoodScorer scorer)
            throws Exception {
        Random random = new Random(9);
        List<float[]> batches = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            float[] pixels = new float[(1 + b % 3) * 16];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = random.nextInt(256);
            }
            batches.add(pixels);
        }
        List<LikelihoodScorer.Scores> sequential = new ArrayList<>();
        for (float[] pixels : batches) {
            sequential.add(scorer.score(pixels, pixels.length / 16, 2));
        }

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<LikelihoodScorer.Scores>> concurrent = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (float[] pixels : batches) {
                    concurrent.add(pool.submit(() -> scorer.score(pixels, pixels.length / 16, 2)));
                }
            }
            for (int i = 0; i < concurrent.size(); i++) {
                LikelihoodScorer.Scores expected = sequential.get(i % batches.size());
                LikelihoodScorer.Scores got = concurrent.get(i).get();
                String batch = "batch " + i % batches.size();
                assertArrayEquals(expected.elboNats(), got.elboNats(), batch);
                assertArrayEquals(expected.iwNats(), got.iwNats(), batch);
                assertArrayEquals(
                        expected.backgroundBitsPerDim(), got.backgroundBitsPerDim(), batch);
                assertArrayEquals(expected.orientation(), got.orientation(), batch);
            }
        } finally {
            pool.shutdown();
        }
    }
}
