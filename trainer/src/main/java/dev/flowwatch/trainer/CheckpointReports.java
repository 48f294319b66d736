package dev.flowwatch.trainer;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.flow.Bisection;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.train.TrainingListener;
import dev.flowwatch.flowpp.train.TrainingProgress;
import dev.flowwatch.trainer.report.CurveCsv;
import dev.flowwatch.trainer.report.CurvePlot;
import dev.flowwatch.trainer.report.ImageGrid;
import dev.flowwatch.trainer.report.Series;

/**
 * Adds the training curve (as {@value #METRICS} and {@value #CURVE}) and a grid of samples from the
 * weights being saved ({@value #SAMPLES}) to every checkpoint, so a bundle shows how it was made.
 */
final class CheckpointReports implements TrainingListener {

    static final String METRICS = "metrics.csv";
    static final String CURVE = "curve.png";
    static final String SAMPLES = "samples.png";
    static final int SAMPLE_COUNT = 64;

    private static final CurvePlot PLOT =
            new CurvePlot("Flow++ training", "step", "bits/dim", 800, 500);

    private final FlowPlusPlus model;
    private final NDManager manager;
    private final int seed;
    private final int chunkSize;

    /**
     * @param chunkSize the most samples the model inverts at once (the training batch size: what
     *     fits in training fits here with room to spare)
     */
    CheckpointReports(FlowPlusPlus model, NDManager manager, int seed, int chunkSize) {
        this.model = model;
        this.manager = manager;
        this.seed = seed;
        this.chunkSize = chunkSize;
    }

    @Override
    public void beforeCheckpoint(TrainingProgress progress, BundleWriter writer) {
        ImageSet samples =
                Sampler.sample(
                        model,
                        manager,
                        SAMPLE_COUNT,
                        1.0,
                        seed,
                        Bisection.DEFAULT,
                        chunkSize,
                        drawn -> {});
        writer.file(METRICS, CurveCsv.bytes(progress.curve()))
                .file(CURVE, PLOT.png(Series.bySplit(progress.curve())))
                .file(SAMPLES, ImageGrid.png(samples, ImageGrid.squareColumns(SAMPLE_COUNT), 1));
    }
}
