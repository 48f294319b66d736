package dev.flowwatch.trainer;

import dev.flowwatch.flowpp.train.TrainingListener;
import dev.flowwatch.flowpp.train.TrainingProgress;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;

/** Shows steps done of the total, the last batch's bits/dim, images per second and the ETA. */
final class TrainingProgressBar implements TrainingListener, AutoCloseable {

    private final ProgressBar bar;

    /** @param startStep the step training starts from: 0, or the checkpoint's step on resume */
    TrainingProgressBar(long startStep) {
        bar = ProgressBars.steps("train", startStep);
    }

    @Override
    public void onStep(TrainingProgress progress, double bitsPerDim, double imagesPerSecond, long totalSteps) {
        bar.maxHint(totalSteps);
        bar.stepTo(progress.step());
        bar.setExtraMessage(String.format(Locale.ROOT, "%.3f bits/dim, %.0f img/s", bitsPerDim, imagesPerSecond));
    }

    @Override
    public void close() {
        bar.close();
    }
}
