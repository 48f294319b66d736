package dev.flowwatch.streams.engine;

import dev.flowwatch.flowpp.model.LikelihoodScorer;

import java.util.List;

/** One forward pass over a batch of images: what the batching step asks of a model. */
@FunctionalInterface
public interface BatchScorer {

    /**
     * Scores images given as unsigned 8-bit pixels, HWC, each of the model's shape.
     *
     * @throws ScoringException if the model cannot score the batch
     */
    LikelihoodScorer.Scores score(List<byte[]> imagesHWC);
}
