package dev.flowwatch.streams.demo;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.Quantile;

import me.tongfei.progressbar.ProgressBar;

/**
 * Picks the anomaly threshold from held-out normal images: a quantile of their ELBO bits/dim, so
 * that about (1 − quantile) of normal traffic raises an alert.
 */
public final class ThresholdCalibrator {

    private static final int BATCH = 64;

    private ThresholdCalibrator() {}

    /**
     * The {@code quantile} (e.g. 0.99) of the images' negative-ELBO bits/dim, by linear
     * interpolation.
     */
    public static double calibrate(
            FlowPlusPlus model, NDManager manager, ImageSet normals, double quantile) {
        double[] bpd;
        try (ProgressBar bar = new ProgressBar("calibrating threshold", normals.size())) {
            bpd =
                    new LikelihoodScorer(model, manager, LikelihoodScorer.DEFAULT_NOISE_SEED)
                            .scoreAll(normals, BATCH, 0, 1, bar::stepTo)
                            .elboBitsPerDim();
        }
        return Quantile.of(bpd, quantile);
    }
}
