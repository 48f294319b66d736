package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.InputComplexity.Compressor;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

class AnomalyScoresTest {

    private static final ImageSet IMAGES = twoImages();

    private static ImageSet twoImages() {
        byte[] pixels = new byte[2 * 64];
        new Random(5).nextBytes(pixels);
        java.util.Arrays.fill(pixels, 0, 64, (byte) 7);
        return ImageSet.of(pixels, 1, 8, 8, null, "constant and noise");
    }

    private static final LikelihoodScorer.Scores SCORES =
            new LikelihoodScorer.Scores(
                    new double[] {-10, -20},
                    new double[] {3.0, 5.0},
                    new double[] {-9, -19},
                    new double[] {2.9, 4.9},
                    new double[] {2.5, 5.5});

    @Test
    void complexityScoreIsBitsPerDimMinusInputComplexityExactly() {
        for (Compressor c : Compressor.values()) {
            AnomalyScores scores = new AnomalyScores(c);
            double[] s = scores.scores(ScoreKind.COMPLEXITY, SCORES, IMAGES);
            for (int i = 0; i < 2; i++) {
                double expected =
                        SCORES.elboBitsPerDim()[i]
                                - InputComplexity.bitsPerDim(c, IMAGES.pixels(i, i + 1), 1, 8, 8);
                assertEquals(expected, s[i], 0.0);
            }
        }
    }

    @Test
    void aBatchComputesEachImagesComplexityOnceForEveryKindAndStatistic() {
        AnomalyScores scores = new AnomalyScores(Compressor.PNG);
        AnomalyScores.Batch batch = scores.batch(SCORES, IMAGES);
        double[] first = batch.scores(ScoreKind.COMPLEXITY);
        double[][] statistics = batch.statistics(java.util.List.of("complexity_png"));
        for (int i = 0; i < 2; i++) {
            double complexity =
                    InputComplexity.bitsPerDim(Compressor.PNG, IMAGES.pixels(i, i + 1), 1, 8, 8);
            assertEquals(SCORES.elboBitsPerDim()[i] - complexity, first[i], 0.0);
            assertEquals(complexity, statistics[i][0], 0.0, "image " + i);
        }
        assertArrayEquals(first, batch.scores(ScoreKind.COMPLEXITY), 0.0);
    }

    /**
     * Dose's statistic {@code bpd_minus_<compressor>} is the complexity score of the compressor it
     * names, whichever compressor the batch scores with.
     */
    @Test
    void bitsPerDimLessComplexityStatisticIsTheComplexityScoreOfTheCompressorItNames() {
        AnomalyScores.Batch batch = new AnomalyScores(Compressor.PNG).batch(SCORES, IMAGES);
        double[][] v = batch.statistics(List.of("bpd_minus_png", "bpd_minus_deflate"));
        double[] png = batch.scores(ScoreKind.COMPLEXITY);
        double[] deflate =
                new AnomalyScores(Compressor.DEFLATE).scores(ScoreKind.COMPLEXITY, SCORES, IMAGES);
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(new double[] {png[i], deflate[i]}, v[i], 0.0, "image " + i);
        }
        assertNotEquals(png[0], deflate[0]);
    }

    /**
     * What a dose score needs of the images alone can be computed ahead, on another thread (the
     * engine does so during the forward pass); the batch then gives exactly the scores and shape
     * distances that it computes on demand.
     */
    @Test
    void doseStatisticsComputedAheadOnAnotherThreadScoreLikeThoseComputedOnDemand() {
        List<String> names =
                List.of("complexity_png", "bpd_minus_png", "sharpness", "saturation", "layout_x");
        byte[] pixels = new byte[60 * 64];
        new Random(9).nextBytes(pixels);
        ImageStatistics normals = ImageStatistics.of(ImageSet.of(pixels, 1, 8, 8, null, "noise"));
        double[] zeros = new double[60];
        LikelihoodScorer.Scores bounds =
                new LikelihoodScorer.Scores(zeros, zeros, null, null, null);
        double[][] vectors =
                new AnomalyScores(Compressor.PNG).batch(bounds, normals).statistics(names);
        DoseModel dose = DoseFit.of(names, vectors, normals.shapes(), null, 8, null, null).model();
        AnomalyScores kinds = new AnomalyScores(Compressor.PNG, dose);

        ImageStatistics ahead = ImageStatistics.of(IMAGES);
        CompletableFuture.runAsync(() -> kinds.computeImageStatistics(ScoreKind.DOSE, ahead))
                .join();

        AnomalyScores.Batch onDemand = kinds.batch(SCORES, IMAGES);
        AnomalyScores.Batch computedAhead = kinds.batch(SCORES, ahead);
        assertArrayEquals(
                onDemand.scores(ScoreKind.DOSE), computedAhead.scores(ScoreKind.DOSE), 0.0);
        assertArrayEquals(onDemand.shapeDistances(), computedAhead.shapeDistances(), 0.0);
        assertArrayEquals(onDemand.blendGains(), computedAhead.blendGains(), 0.0);

        // a dose without the blend part has no gains to give, and says how to get them
        DoseModel blendless = DoseFit.of(names, vectors, normals.shapes(), null).model();
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new AnomalyScores(Compressor.PNG, blendless)
                                        .batch(SCORES, IMAGES)
                                        .blendGains());
        assertTrue(e.getMessage().contains("--dose-prototypes"), e.getMessage());
    }

    @Test
    void imageStatisticsAreTheNamedCompressorsAndTheLayout() {
        // the batch's compressor is PNG; a statistic that names deflate is deflate's
        AnomalyScores.Batch batch = new AnomalyScores(Compressor.PNG).batch(SCORES, IMAGES);
        double[][] v =
                batch.statistics(
                        java.util.List.of("complexity_deflate", "layout_x", "layout_mass"));
        for (int i = 0; i < 2; i++) {
            byte[] pixels = IMAGES.pixels(i, i + 1);
            double[] layout = ImageLayout.of(pixels, 1, 8, 8);
            assertArrayEquals(
                    new double[] {
                        InputComplexity.bitsPerDim(Compressor.DEFLATE, pixels, 1, 8, 8),
                        layout[1],
                        layout[0]
                    },
                    v[i],
                    0.0,
                    "image " + i);
        }
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> batch.statistics(java.util.List.of("layout_skew")));
        assertTrue(e.getMessage().contains("layout_skew"), e.getMessage());
    }

    @Test
    void bitsPerDimKindsAreTheScorersBounds() {
        AnomalyScores scores = new AnomalyScores(Compressor.PNG);
        assertArrayEquals(
                new double[] {3.0, 5.0}, scores.scores(ScoreKind.BPD, SCORES, IMAGES), 0.0);
        assertArrayEquals(
                new double[] {2.9, 4.9}, scores.scores(ScoreKind.BPD_IW, SCORES, IMAGES), 0.0);
    }

    @Test
    void importanceWeightedKindNeedsTheImportanceWeightedBound() {
        LikelihoodScorer.Scores elboOnly =
                new LikelihoodScorer.Scores(
                        SCORES.elboNats(), SCORES.elboBitsPerDim(), null, null, null);
        assertThrows(
                IllegalArgumentException.class,
                () -> new AnomalyScores(Compressor.PNG).scores(ScoreKind.BPD_IW, elboOnly, IMAGES));
    }

    @Test
    void scoreKindsParseByTheirIds() {
        for (ScoreKind k : ScoreKind.values()) {
            assertEquals(k, ScoreKind.parse(k.id().toUpperCase(java.util.Locale.ROOT)));
        }
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ScoreKind.parse("llr"));
        assertEquals(
                "unknown score kind 'llr'; known: bpd, bpd_iw, complexity, likelihood_ratio, dose",
                e.getMessage());
        assertEquals(ScoreKind.LIKELIHOOD_RATIO, ScoreKind.parse("likelihood-ratio"));
    }

    @Test
    void likelihoodRatioIsBitsPerDimMinusTheBackgroundsExactly() {
        assertArrayEquals(
                new double[] {3.0 - 2.5, 5.0 - 5.5},
                new AnomalyScores(Compressor.PNG)
                        .scores(ScoreKind.LIKELIHOOD_RATIO, SCORES, IMAGES),
                0.0);
    }

    @Test
    void likelihoodRatioWithoutBackgroundSaysHowToGetOne() {
        LikelihoodScorer.Scores noBackground =
                new LikelihoodScorer.Scores(
                        SCORES.elboNats(), SCORES.elboBitsPerDim(), null, null, null);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new AnomalyScores(Compressor.PNG)
                                        .scores(ScoreKind.LIKELIHOOD_RATIO, noBackground, IMAGES));
        assertTrue(e.getMessage().contains("train --background"), e.getMessage());
        assertTrue(e.getMessage().contains("attach-background"), e.getMessage());
    }
}
