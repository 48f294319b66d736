package dev.flowwatch.trainer;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.trainer.Arguments.ExistingPath;
import dev.flowwatch.trainer.Arguments.NonNegativeInt;
import dev.flowwatch.trainer.Arguments.PositiveInt;

import me.tongfei.progressbar.ProgressBar;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Scores every image of a data set with a model bundle: the options and the work of evaluate and
 * score.
 */
final class ModelScoring {

    /** Fixed, so that scoring the same images twice (in any command) gives the same numbers. */
    static final int NOISE_SEED = 1;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "The model bundle.")
    private Path model;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "PATH",
            converter = ExistingPath.class,
            description =
                    "Images: an IDX file (gzipped or not; labels are found beside it) or a folder"
                            + " of PNG/JPEG files.")
    private Path data;

    @Option(
            names = "--iw-samples",
            defaultValue = "0",
            paramLabel = "K",
            converter = NonNegativeInt.class,
            description =
                    "Dequantization samples of the importance-weighted bound, tighter than the ELBO"
                            + " and K times slower; 0: ELBO only (default: ${DEFAULT-VALUE}).")
    private int iwSamples;

    @Option(
            names = "--batch-size",
            defaultValue = "64",
            paramLabel = "N",
            converter = PositiveInt.class,
            description = "Images per batch (default: ${DEFAULT-VALUE}).")
    private int batchSize;

    @Option(
            names = "--limit",
            paramLabel = "N",
            converter = PositiveInt.class,
            description = "Score only the first N images.")
    private Integer limit;

    @Mixin private DeviceOption device;

    /** The model bundle directory. */
    Path bundle() {
        return model;
    }

    /** The images' file or folder as given. */
    Path data() {
        return data;
    }

    /** K of the importance-weighted bound, 0 when it is not computed. */
    int iwSamples() {
        return iwSamples;
    }

    /**
     * The scores of the images, in their order.
     *
     * @param model the manifest of the model that scored them
     * @param background the manifest of its background model, or null when it has none
     * @param iwSamples K of the importance-weighted bound, 0 when it was not computed
     * @param seconds time spent scoring, without loading and one warm-up batch
     */
    record Scored(
            BundleManifest model,
            BundleManifest background,
            ImageSet images,
            LikelihoodScorer.Scores scores,
            int iwSamples,
            double seconds) {}

    Scored run() throws IOException {
        try (NDManager manager = device.newManager()) {
            ModelBundle bundle = ModelBundle.load(model, manager);
            ImageSet images = ImageSets.load(data);
            if (limit != null) {
                images = images.limit(limit);
            }
            bundle.requireInputShape(images.channels(), images.height(), images.width());
            LikelihoodScorer scorer = bundle.scorer(manager, NOISE_SEED);
            // the first batch pays one-off native set-up (kernel selection): keep it out of the
            // timing
            int warmUp = Math.min(batchSize, images.size());
            scorer.score(images.toFloats(0, warmUp), warmUp, iwSamples);
            long started = System.nanoTime();
            LikelihoodScorer.Scores scores;
            try (ProgressBar bar = ProgressBars.images("score", images.size())) {
                scores = scorer.scoreAll(images, batchSize, iwSamples, bar::stepTo);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            return new Scored(
                    bundle.manifest(),
                    bundle.background().map(ModelBundle::manifest).orElse(null),
                    images,
                    scores,
                    iwSamples,
                    seconds);
        }
    }
}
