package dev.flowwatch.streams.topology;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.InputComplexity.Compressor;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.engine.ScoredBatch;

import java.time.Instant;
import java.util.Map;

/** Scores of events at chosen bits/dim, for the steps after scoring. */
final class TestScores {

    /** Dimensions of a test image. */
    static final int DIMENSIONS = TestModels.SIZE * TestModels.SIZE;

    private TestScores() {}

    /**
     * A scored batch of one image whose ELBO costs {@code bpd} bits/dim and whose score is {@code
     * score}.
     */
    static ScoredBatch batch(double bpd, double score) {
        return new ScoredBatch(
                new LikelihoodScorer.Scores(
                        new double[] {-bpd * DIMENSIONS * Math.log(2)},
                        new double[] {bpd},
                        null,
                        null,
                        null),
                new double[] {score},
                0);
    }

    /** A scored batch of one image whose ELBO, its score, costs {@code bpd} bits/dim. */
    static ScoredBatch bpd(double bpd) {
        return batch(bpd, bpd);
    }

    /** The decider's score of an event of {@code source} whose ELBO costs {@code bpd} bits/dim. */
    static AnomalyScore score(
            AnomalyDecider decider, String id, String source, double bpd, Instant now) {
        return decider.score(TestModels.event(id, source, 1), bpd(bpd), 0, now);
    }

    /** A calibration of 1000 images with null scores 1, 2, ..., 1000 of bpd and complexity. */
    static Calibration calibration() {
        double[] s = new double[1000];
        for (int i = 0; i < s.length; i++) {
            s[i] = i + 1;
        }
        return Calibration.of(
                new BundleManifest("f", 1, "m", "v", "t", null, "sha", 0, Map.of()),
                null,
                "normals",
                "2026-01-01T00:00:00Z",
                Compressor.PNG,
                Map.of(ScoreKind.BPD, s, ScoreKind.COMPLEXITY, s));
    }
}
