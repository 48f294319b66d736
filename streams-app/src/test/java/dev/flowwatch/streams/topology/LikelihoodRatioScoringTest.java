package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.engine.ScoringEngine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The likelihood-ratio score end to end on the topology, with a real background model. */
class LikelihoodRatioScoringTest {

    @TempDir Path dir;

    @Test
    void scoresCarryTheLikelihoodRatioAndItsPValue() {
        Path bundle = TestModels.tinyBundleWithBackground(dir.resolve("models"));
        Calibration calibration;
        try (ScoringEngine uncalibrated =
                ScoringEngine.load(bundle, "cpu", 0, ScoreKind.LIKELIHOOD_RATIO, 4)) {
            List<byte[]> normals = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                normals.add(TestModels.pixels(100 + i));
            }
            LikelihoodScorer.Scores bounds = uncalibrated.score(normals).bounds();
            double[] ratios = new double[normals.size()];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = AnomalyScores.likelihoodRatio(bounds, i);
            }
            calibration = TestModels.calibrate(bundle, Map.of(ScoreKind.LIKELIHOOD_RATIO, ratios));
        }

        try (ScoringEngine engine =
                        ScoringEngine.load(bundle, "cpu", 0, ScoreKind.LIKELIHOOD_RATIO, 1);
                TopologyFixture f =
                        TopologyFixture.calibrated(engine, bundle, dir.resolve("state"), 0.1)) {
            f.send("k", TestModels.event("e", 7));
            AnomalyScore score = f.scores.readValue();
            LikelihoodScorer.Scores own = engine.score(List.of(TestModels.pixels(7))).bounds();
            assertEquals("likelihood_ratio", score.getScoreKind());
            assertEquals(
                    own.elboBitsPerDim()[0] - own.backgroundBitsPerDim()[0],
                    score.getScore(),
                    1e-9);
            assertEquals(own.elboBitsPerDim()[0], score.getElboBpd(), 1e-9);
            assertEquals(
                    calibration.pValue(ScoreKind.LIKELIHOOD_RATIO, score.getScore()),
                    score.getPValue(),
                    0.0);
            assertEquals(score.getPValue() < 0.1, score.getIsAnomaly());
        }
    }

    @Test
    void bundleWithoutBackgroundFailsAtStartSayingHowToAddOne() {
        Path bundle = TestModels.tinyBundle(dir);
        BundleException engine =
                assertThrows(
                        BundleException.class,
                        () -> ScoringEngine.load(bundle, "cpu", 0, ScoreKind.LIKELIHOOD_RATIO, 1));
        assertTrue(engine.getMessage().contains("attach-background"), engine.getMessage());
    }
}
