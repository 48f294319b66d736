package dev.flowwatch.streams.demo;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.model.LikelihoodScorer;

import me.tongfei.progressbar.ProgressBar;

import java.util.Arrays;

/**
 * Picks the anomaly threshold from held-out normal images: a quantile of their ELBO bits/dim, so
 * that about (1 − quantile) of normal traffic raises an alert.
 */
public final class ThresholdCalibrator {

    private static final int BATCH = 64;
    private static final int SEED = 1;

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
                    new LikelihoodScorer(model, manager, SEED)
                            .scoreAll(normals, BATCH, 0, bar::stepTo)
                            .elboBitsPerDim();
        }
        return quantile(bpd, quantile);
    }

    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double position = q * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(sorted.length - 1, below + 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
