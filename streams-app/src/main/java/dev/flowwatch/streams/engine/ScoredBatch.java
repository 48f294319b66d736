package dev.flowwatch.streams.engine;

import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.DoseModel;

/**
 * What one forward pass gives for a batch: the model's bounds and the engine's score kind, one
 * value of each per image, in the batch's order.
 *
 * @param bounds the ELBO (and the IW and background bounds, where computed) of every image
 * @param scores the score of the engine's kind of every image; higher is more anomalous
 * @param iwSamples the importance samples behind {@code bounds.iwBitsPerDim()}, 0 when there is no
 *     IW bound
 * @param parts for score kind dose, the part each image's score comes from; null for the others
 */
public record ScoredBatch(
        LikelihoodScorer.Scores bounds, double[] scores, int iwSamples, DoseModel.Part[] parts) {

    /** A batch of a score kind that has no parts. */
    public ScoredBatch(LikelihoodScorer.Scores bounds, double[] scores, int iwSamples) {
        this(bounds, scores, iwSamples, null);
    }
}
