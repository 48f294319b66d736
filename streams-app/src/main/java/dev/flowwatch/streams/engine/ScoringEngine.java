package dev.flowwatch.streams.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.model.Devices;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.AnomalyScores;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Owns one model (and its background model, when the likelihood ratio is scored) on one device and
 * scores batches of images for every stream thread of the JVM.
 *
 * <p>Thread-safe: DJL models are not, and the scorer seeds the engine-wide random generator before
 * each batch, so every batch runs under one JVM-wide lock; a batch's scores then depend only on its
 * images. Each batch's intermediate arrays live in an {@code NDScope} inside {@link
 * LikelihoodScorer#score}, so native memory is released per batch and does not grow.
 */
public final class ScoringEngine implements BatchScorer, AutoCloseable {

    /** Engine-wide: two engines in one JVM (tests, a demo) share DJL's random generator. */
    private static final ReentrantLock LOCK = new ReentrantLock();

    /** Fixed so that the dequantization noise, hence a batch's score, is reproducible. */
    private static final int SEED = 42;

    private final NDManager manager;
    private final ModelBundle bundle;
    private final LikelihoodScorer scorer;
    private final String deviceName;
    private final int iwSamples;
    private volatile boolean loaded;

    private ScoringEngine(
            NDManager manager,
            ModelBundle bundle,
            LikelihoodScorer scorer,
            String deviceName,
            int iwSamples) {
        this.manager = manager;
        this.bundle = bundle;
        this.scorer = scorer;
        this.deviceName = deviceName;
        this.iwSamples = iwSamples;
    }

    /**
     * Loads the bundle onto the device and warms the model up with one batch of {@code
     * warmUpBatchSize} blank images, so that the first real batch does not pay for allocator and
     * kernel start-up, and so that a batch size too large for the device's memory fails here, at
     * start, rather than mid-stream.
     *
     * @param device auto, cpu, gpu or gpu:N
     * @param iwSamples importance samples for the IW bound; 0 skips it
     * @param background whether to score every batch with the bundle's background model too (for
     *     the likelihood-ratio score); when false a background in the bundle costs nothing
     * @throws dev.flowwatch.flowpp.bundle.BundleException if the bundle is missing or broken, or
     *     has no background model when one is asked for
     */
    public static ScoringEngine load(
            Path bundleDir, String device, int iwSamples, boolean background, int warmUpBatchSize) {
        Device d = Devices.parse(device);
        NDManager manager = NDManager.newBaseManager(d);
        try {
            ModelBundle bundle = ModelBundle.load(bundleDir, manager);
            if (background && bundle.background().isEmpty()) {
                throw new BundleException(
                        bundleDir.resolve(ModelBundle.BACKGROUND), AnomalyScores.NO_BACKGROUND);
            }
            LikelihoodScorer scorer =
                    background
                            ? bundle.scorer(manager, SEED)
                            : new LikelihoodScorer(bundle.model(), manager, SEED);
            ScoringEngine engine =
                    new ScoringEngine(manager, bundle, scorer, d.toString(), iwSamples);
            FlowConfig c = bundle.manifest().config();
            byte[] blank = new byte[c.channels() * c.height() * c.width()];
            engine.score(Collections.nCopies(Math.max(1, warmUpBatchSize), blank));
            engine.loaded = true;
            return engine;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public String modelId() {
        return bundle.manifest().modelId();
    }

    public String modelVersion() {
        return bundle.manifest().modelVersion();
    }

    /** The device the model runs on, as DJL names it (cpu(), gpu(0)). */
    public String device() {
        return deviceName;
    }

    public int channels() {
        return bundle.manifest().config().channels();
    }

    public int height() {
        return bundle.manifest().config().height();
    }

    public int width() {
        return bundle.manifest().config().width();
    }

    public int iwSamples() {
        return iwSamples;
    }

    /** True from the end of the warm-up until {@link #close()}. */
    public boolean isLoaded() {
        return loaded;
    }

    /**
     * Scores images given as unsigned 8-bit pixels, row-major with channels interleaved (HWC), each
     * exactly {@code channels * height * width} bytes, in one forward pass.
     *
     * @throws IllegalArgumentException if an image has the wrong size
     * @throws ScoringException if the engine is closed or the model fails
     */
    @Override
    public LikelihoodScorer.Scores score(List<byte[]> imagesHWC) {
        if (imagesHWC.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one image");
        }
        float[] pixels = Pixels.toPlanar(imagesHWC, channels(), height(), width());
        LOCK.lock();
        try {
            if (manager.isOpen()) {
                return scorer.score(pixels, imagesHWC.size(), iwSamples);
            }
        } catch (RuntimeException e) {
            throw new ScoringException(
                    "model "
                            + modelId()
                            + " "
                            + modelVersion()
                            + " failed to score a batch of "
                            + imagesHWC.size()
                            + " on "
                            + deviceName
                            + ": "
                            + e.getMessage(),
                    e);
        } finally {
            LOCK.unlock();
        }
        throw new ScoringException("the scoring engine is closed");
    }

    @Override
    public void close() {
        LOCK.lock();
        try {
            loaded = false;
            manager.close();
        } finally {
            LOCK.unlock();
        }
    }
}
