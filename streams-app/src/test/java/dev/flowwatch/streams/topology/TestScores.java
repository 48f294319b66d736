package dev.flowwatch.streams.topology;

import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.streams.TestModels;

import java.time.Instant;

/** Scores of events at chosen bits/dim, for the steps after scoring. */
final class TestScores {

    private TestScores() {}

    /** The bounds of a batch of one image whose ELBO costs {@code bpd} bits/dim. */
    static LikelihoodScorer.Scores bpd(double bpd) {
        return new LikelihoodScorer.Scores(
                new double[] {-bpd}, new double[] {bpd}, null, null, null);
    }

    /** The decider's score of an event of {@code source} whose ELBO costs {@code bpd} bits/dim. */
    static AnomalyScore score(
            AnomalyDecider decider, String id, String source, double bpd, Instant now) {
        return decider.score(TestModels.event(id, source, 1), bpd(bpd), 0, 0, now);
    }
}
