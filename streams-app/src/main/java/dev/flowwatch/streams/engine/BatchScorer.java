package dev.flowwatch.streams.engine;

import java.util.List;

/** One forward pass over a batch of images: what the batching step asks of a model. */
@FunctionalInterface
public interface BatchScorer {

    /**
     * Scores images given as unsigned 8-bit pixels, HWC, each of the model's shape.
     *
     * @throws ScoringException if the model cannot score the batch
     */
    ScoredBatch score(List<byte[]> imagesHWC);
}
