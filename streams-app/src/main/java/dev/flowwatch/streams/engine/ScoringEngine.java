package dev.flowwatch.streams.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.Pixels;
import dev.flowwatch.flowpp.model.Devices;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.model.PassThreads;
import dev.flowwatch.flowpp.orientation.OrientationNet;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.DoseModel;
import dev.flowwatch.flowpp.score.DoseStatistics;
import dev.flowwatch.flowpp.score.ImageStatistics;
import dev.flowwatch.flowpp.score.ScoreKind;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Semaphore;

/**
 * Owns one model (and its background model and orientation network, when the score kind needs them)
 * on one device, with what the bundle holds besides (its calibration), and scores batches of images
 * for every stream thread of the JVM: the model's bounds and the score of one {@link ScoreKind} per
 * image.
 *
 * <p>The bundle, {@value Calibration#FILE} included, is read once, here; the steps that decide and
 * alert take the calibration from {@link #calibration()}.
 *
 * <p>Thread-safe. Each image's dequantization noise is a function of the image and a fixed seed
 * ({@link LikelihoodScorer}), so its score depends on nothing else, not on how it was batched; a
 * batch's forward pass holds one of the engine's {@code concurrentPasses} permits. What the kind's
 * score needs of the images alone (compressing each image for its complexity, its shape search) is
 * computed on the common fork-join pool while the forward pass runs, and the rest of the score (a
 * density) after the pass has given back its permit. Each batch's intermediate arrays live in an
 * {@code NDScope} inside {@link LikelihoodScorer#score}, so native memory is released per batch and
 * does not grow.
 */
public final class ScoringEngine implements BatchScorer, AutoCloseable {

    private final NDManager manager;
    private final ModelBundle bundle;
    private final LikelihoodScorer scorer;
    private final String deviceName;
    private final int iwSamples;
    private final ScoreKind kind;
    private final Optional<Calibration> calibration;
    private final AnomalyScores anomalyScores;
    private final int concurrentPasses;
    private final Semaphore passes;
    private final PassesInFlight inFlight = new PassesInFlight();
    private volatile boolean loaded;
    private volatile Duration warmTime = Duration.ZERO;
    private volatile ForwardPassTimes forwardPassTimes = (waitNanos, forwardNanos) -> {};

    /**
     * Where the engine reports each forward pass it ran: how long the batch waited for a permit
     * (while other stream threads' passes held them all) and how long its pass held one.
     */
    @FunctionalInterface
    public interface ForwardPassTimes {
        void observe(long waitNanos, long forwardNanos);
    }

    private ScoringEngine(
            NDManager manager,
            ModelBundle bundle,
            LikelihoodScorer scorer,
            String deviceName,
            int iwSamples,
            ScoreKind kind,
            Optional<Calibration> calibration,
            int concurrentPasses) {
        this.manager = manager;
        this.bundle = bundle;
        this.scorer = scorer;
        this.deviceName = deviceName;
        this.iwSamples = iwSamples;
        this.kind = kind;
        this.calibration = calibration;
        this.anomalyScores =
                calibration
                        .map(AnomalyScores::of)
                        .orElseGet(() -> new AnomalyScores(AnomalyScores.DEFAULT_COMPRESSOR));
        this.concurrentPasses = concurrentPasses;
        this.passes = new Semaphore(concurrentPasses);
    }

    /**
     * Loads the bundle and its calibration, puts the model onto the device and warms it up with
     * batches of {@code warmUpBatchSize} blank images, twice, so that the first real batch does not
     * pay for allocator and kernel start-up, so that a batch size too large for the device's memory
     * fails here, at start, rather than mid-stream, and so that the second round tells what a batch
     * costs ({@link #warmUpTime()}).
     *
     * @param device auto, cpu, gpu or gpu:N
     * @param iwSamples importance samples for the IW bound; 0 skips it
     * @param kind the score of every image; the bundle's background model runs on every batch only
     *     when the kind needs it (likelihood_ratio, or dose over the background's bits/dim), and
     *     its orientation network only for a dose calibrated with its orientation part; else they
     *     cost nothing
     * @throws dev.flowwatch.flowpp.bundle.BundleException if the bundle or its calibration is
     *     missing or broken, or lacks what the kind needs: a background model, or the model of dose
     */
    public static ScoringEngine load(
            Path bundleDir, String device, int iwSamples, ScoreKind kind, int warmUpBatchSize) {
        return load(bundleDir, device, iwSamples, kind, warmUpBatchSize, 1);
    }

    /**
     * {@link #load(Path, String, int, ScoreKind, int)} of an engine that runs up to {@code
     * concurrentPasses} forward passes at once, each on the thread that asked for it. One pass
     * leaves cores idle between and within its many small operators, which a second pass uses
     * (measured on a CPU); on a GPU a small model's pass is bound by the host issuing its operators
     * one by one, which several threads can do at once (not yet measured). The warm-up runs that
     * many batches at once, so that a device without the memory for them all fails here too.
     *
     * @throws IllegalArgumentException if {@code concurrentPasses} is not positive
     */
    public static ScoringEngine load(
            Path bundleDir,
            String device,
            int iwSamples,
            ScoreKind kind,
            int warmUpBatchSize,
            int concurrentPasses) {
        if (concurrentPasses < 1) {
            throw new IllegalArgumentException(
                    "concurrent passes must be >= 1, got " + concurrentPasses);
        }
        Optional<Calibration> calibration = Calibration.find(bundleDir);
        Optional<DoseModel> dose = calibration.flatMap(Calibration::dose);
        if (kind == ScoreKind.DOSE && dose.isEmpty()) {
            throw new BundleException(
                    bundleDir.resolve(Calibration.FILE),
                    "score kind dose needs the dose model of a calibration, but "
                            + Uncalibrated.why(bundleDir, calibration, kind)
                            + ": "
                            + Uncalibrated.fix(bundleDir, kind));
        }
        boolean background =
                kind == ScoreKind.LIKELIHOOD_RATIO
                        || (kind == ScoreKind.DOSE
                                && DoseStatistics.usesBackground(dose.get().statistics()));
        // a calibration made with another network, or none, has no dose model: refused above
        boolean orientation = kind == ScoreKind.DOSE && dose.get().usesOrientation();
        Device d = Devices.parse(device);
        NDManager manager = NDManager.newBaseManager(d);
        try {
            ModelBundle bundle = ModelBundle.load(bundleDir, manager);
            if (background && bundle.background().isEmpty()) {
                throw new BundleException(
                        bundleDir.resolve(ModelBundle.BACKGROUND), AnomalyScores.NO_BACKGROUND);
            }
            LikelihoodScorer scorer =
                    new LikelihoodScorer(
                                    bundle.model(),
                                    background ? bundle.background().get().model() : null,
                                    manager,
                                    LikelihoodScorer.DEFAULT_NOISE_SEED)
                            .withOrientation(orientation ? orientationNet(bundle) : null);
            ScoringEngine engine =
                    new ScoringEngine(
                            manager,
                            bundle,
                            scorer,
                            d.toString(),
                            iwSamples,
                            kind,
                            calibration,
                            concurrentPasses);
            FlowConfig c = bundle.manifest().config();
            byte[] blank = new byte[c.channels() * c.height() * c.width()];
            List<byte[]> batch = Collections.nCopies(Math.max(1, warmUpBatchSize), blank);
            warmUp(engine, batch);
            // the first round pays for allocators, kernels and caches: the second is what a
            // batch costs from now on
            long warmStart = System.nanoTime();
            warmUp(engine, batch);
            engine.warmTime = Duration.ofNanos(System.nanoTime() - warmStart);
            engine.loaded = true;
            return engine;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Scores {@code batch} on as many threads at once as the engine runs passes at once, and
     * returns (or throws the first failure) only when every pass has ended: the caller closes the
     * model's manager on a failure, which must not free weights that another pass still reads (a
     * device with memory for one pass and not two fails exactly here).
     */
    private static void warmUp(ScoringEngine engine, List<byte[]> batch) {
        PassThreads.run(() -> engine.score(batch), engine.concurrentPasses, "warm-up-pass");
    }

    private static OrientationNet orientationNet(ModelBundle bundle) {
        return bundle.orientation()
                .orElseThrow(
                        () ->
                                new BundleException(
                                        bundle.directory().resolve(ModelBundle.ORIENTATION),
                                        AnomalyScores.NO_ORIENTATION));
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

    /** True from the end of the warm-up until {@link #close()}. */
    public boolean isLoaded() {
        return loaded;
    }

    /** The score this engine computes for every image. */
    public ScoreKind kind() {
        return kind;
    }

    /** Reports every later forward pass to {@code times} (the app's metrics). */
    public void reportForwardPasses(ForwardPassTimes times) {
        forwardPassTimes = Objects.requireNonNull(times);
    }

    /**
     * How long a round of the warm-up took once the model was warm: one batch of the warm-up size
     * on each of the passes that may run at once, all at once.
     */
    public Duration warmUpTime() {
        return warmTime;
    }

    /** How long the oldest forward pass running now has run; zero when none runs. */
    public Duration longestPassInFlight() {
        return inFlight.longest();
    }

    /** The bundle's calibration, as read at load; empty when the bundle has none. */
    public Optional<Calibration> calibration() {
        return calibration;
    }

    /**
     * Scores images given as unsigned 8-bit pixels, row-major with channels interleaved (HWC), each
     * exactly {@code channels * height * width} bytes, in one forward pass, and computes the score
     * of the engine's kind for each (for dose, with the part it comes from).
     *
     * @throws IllegalArgumentException if an image has the wrong size
     * @throws ScoringException if the engine is closed, the model fails, or the score cannot be
     *     computed
     */
    @Override
    public ScoredBatch score(List<byte[]> imagesHWC) {
        if (imagesHWC.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one image");
        }
        // one conversion, for the model's input and for the statistics of the images alike
        ImageSet images =
                ImageSet.of(
                        Pixels.toPlanar(imagesHWC, channels(), height(), width()),
                        channels(),
                        height(),
                        width(),
                        null,
                        "batch");
        ImageStatistics statistics = ImageStatistics.of(images);
        // What the score needs of the images alone runs on other cores during the forward pass: on
        // a GPU host that work is otherwise the larger part of a batch's time.
        CompletableFuture<Void> ofImages =
                CompletableFuture.runAsync(
                        () -> anomalyScores.computeImageStatistics(kind, statistics),
                        ForkJoinPool.commonPool());
        LikelihoodScorer.Scores bounds = forwardPass(images);
        try {
            ofImages.join();
            AnomalyScores.Batch batch = anomalyScores.batch(bounds, statistics);
            if (kind != ScoreKind.DOSE) {
                return new ScoredBatch(bounds, batch.scores(kind), iwSamples);
            }
            DoseModel.Judgement[] judgements = batch.doseJudgements();
            return new ScoredBatch(
                    bounds,
                    DoseModel.Judgement.scores(judgements),
                    iwSamples,
                    Arrays.stream(judgements)
                            .map(DoseModel.Judgement::part)
                            .toArray(DoseModel.Part[]::new));
        } catch (RuntimeException e) {
            // the images' statistics fail inside the future, the rest here
            Throwable cause = e instanceof CompletionException ? e.getCause() : e;
            throw failed("compute the " + kind.id() + " score of", images.size(), cause);
        }
    }

    private LikelihoodScorer.Scores forwardPass(ImageSet images) {
        float[] pixels = images.toFloats(0, images.size());
        long asked = System.nanoTime();
        passes.acquireUninterruptibly();
        try {
            if (manager.isOpen()) {
                long held = System.nanoTime();
                long pass = inFlight.start();
                try {
                    LikelihoodScorer.Scores bounds = scorer.score(pixels, images.size(), iwSamples);
                    forwardPassTimes.observe(held - asked, System.nanoTime() - held);
                    return bounds;
                } finally {
                    inFlight.end(pass);
                }
            }
        } catch (RuntimeException e) {
            throw failed("score", images.size(), e);
        } finally {
            passes.release();
        }
        throw new ScoringException("the scoring engine is closed");
    }

    private ScoringException failed(String what, int batchSize, Throwable e) {
        return new ScoringException(
                "model "
                        + modelId()
                        + " "
                        + modelVersion()
                        + " failed to "
                        + what
                        + " a batch of "
                        + batchSize
                        + " on "
                        + deviceName
                        + ": "
                        + e.getMessage(),
                e);
    }

    @Override
    public void close() {
        // every permit: no pass runs while the model's arrays are freed
        passes.acquireUninterruptibly(concurrentPasses);
        try {
            loaded = false;
            manager.close();
        } finally {
            passes.release(concurrentPasses);
        }
    }
}
