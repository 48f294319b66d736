package dev.flowwatch.trainer;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.bundle.OrientationManifest;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.model.LikelihoodScorer;

import me.tongfei.progressbar.ProgressBar;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Scores images with a model bundle as the {@link ScoringOptions} say: the work of the commands.
 */
final class ModelScoring {

    /** Fixed, so that corrupting the same images twice (in any command) gives the same images. */
    static final int CORRUPTION_SEED = 1;

    private final ScoringOptions options;

    ModelScoring(ScoringOptions options) {
        this.options = options;
    }

    /**
     * The scores of the images, in their order.
     *
     * @param model the manifest of the model that scored them
     * @param background the manifest of its background model, or null when it has none
     * @param orientation the manifest of its orientation network, or null when it has none
     * @param iwSamples K of the importance-weighted bound, 0 when it was not computed
     * @param seconds time spent scoring, without loading and one warm-up batch
     */
    record Scored(
            BundleManifest model,
            BundleManifest background,
            OrientationManifest orientation,
            ImageSet images,
            LikelihoodScorer.Scores scores,
            int iwSamples,
            double seconds) {}

    /** The images of a file or folder, cut to the first {@code --limit}. */
    ImageSet load(Path data) throws IOException {
        ImageSet images =
                options.limit() == null
                        ? ImageSets.load(data)
                        : ImageSets.load(data, options.limit());
        if (images.size() == 0) {
            throw new IllegalArgumentException(data + ": no images to score");
        }
        return images;
    }

    /** Every image's scores, with a progress bar named {@code task}. */
    LikelihoodScorer.Scores score(LikelihoodScorer scorer, ImageSet images, String task) {
        try (ProgressBar bar = ProgressBars.images(task, images.size())) {
            return scorer.scoreAll(
                    images,
                    options.batchSize(),
                    options.iwSamples(),
                    options.passes(),
                    bar::stepTo);
        }
    }

    /** Loads the bundle and the images, and scores them all on a manager from {@code devices}. */
    Scored scoreDataSet(Path model, Path data, Supplier<NDManager> devices) throws IOException {
        try (NDManager manager = devices.get()) {
            ModelBundle bundle = ModelBundle.load(model, manager);
            ImageSet images = load(data);
            bundle.requireInputShape(images.channels(), images.height(), images.width());
            LikelihoodScorer scorer = bundle.scorer(manager, options.noiseSeed());
            // the first batch pays one-off native set-up (kernel selection): keep it out of the
            // timing
            int warmUp = Math.min(options.batchSize(), images.size());
            scorer.score(images.toFloats(0, warmUp), warmUp, options.iwSamples());
            long started = System.nanoTime();
            LikelihoodScorer.Scores scores = score(scorer, images, "score");
            double seconds = (System.nanoTime() - started) / 1e9;
            return new Scored(
                    bundle.manifest(),
                    bundle.background().map(ModelBundle::manifest).orElse(null),
                    bundle.orientationManifest().orElse(null),
                    images,
                    scores,
                    options.iwSamples(),
                    seconds);
        }
    }
}
