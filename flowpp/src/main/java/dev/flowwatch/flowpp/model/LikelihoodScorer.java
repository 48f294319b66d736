package dev.flowwatch.flowpp.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.flow.BoundTerms;
import dev.flowwatch.flowpp.flow.FlowContext;
import dev.flowwatch.flowpp.flow.TermRecorder;
import dev.flowwatch.flowpp.nn.Tensors;
import dev.flowwatch.flowpp.orientation.OrientationNet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Scores batches of images with a model: the ELBO and optionally the importance-weighted bound, per
 * image, in nats and bits/dim, the ELBO of a background model when there is one, and the surprise
 * of an orientation network when it is given one, from the same batch tensor. Each image's
 * dequantization noise comes from a {@link NoiseBank} drawn once from the seed (the background
 * model's from a bank of its own, seed {@link #backgroundSeed}), so an image's scores depend on the
 * image alone, not on the batch it is scored in.
 *
 * <p>Thread-safe: batches may be scored on several threads at once. The banks live on the manager's
 * device until it closes (up to {@value NoiseBank#MAX_BYTES} bytes each): a scorer is made to last,
 * one per model and manager.
 */
public final class LikelihoodScorer {

    /**
     * The seed the streaming app scores with, and the trainer's default: a calibration's null
     * scores and the stream's scores are then the same function of the image.
     */
    public static final int DEFAULT_NOISE_SEED = 42;

    private final FlowPlusPlus model;
    private final FlowPlusPlus background;
    private final OrientationNet orientation;
    private final NDManager manager;
    private final NoiseBank noise;
    private final NoiseBank backgroundNoise;

    public LikelihoodScorer(FlowPlusPlus model, NDManager manager, int seed) {
        this(model, null, manager, seed);
    }

    /**
     * @param background the background model of the likelihood-ratio score, or null
     */
    public LikelihoodScorer(
            FlowPlusPlus model, FlowPlusPlus background, NDManager manager, int seed) {
        this(
                model,
                background,
                null,
                manager,
                new NoiseBank(model, manager, seed),
                background == null
                        ? null
                        : new NoiseBank(background, manager, backgroundSeed(seed)));
    }

    private LikelihoodScorer(
            FlowPlusPlus model,
            FlowPlusPlus background,
            OrientationNet orientation,
            NDManager manager,
            NoiseBank noise,
            NoiseBank backgroundNoise) {
        this.model = model;
        this.background = background;
        this.orientation = orientation;
        this.manager = manager;
        this.noise = noise;
        this.backgroundNoise = backgroundNoise;
    }

    /**
     * This scorer, also giving each image's {@link OrientationNet#surprise} ({@link
     * Scores#orientation}); null for none. It shares this scorer's noise.
     */
    public LikelihoodScorer withOrientation(OrientationNet net) {
        return new LikelihoodScorer(model, background, net, manager, noise, backgroundNoise);
    }

    /**
     * Per-image bounds of one batch.
     *
     * @param elboNats ELBO, nats per image
     * @param elboBitsPerDim negative ELBO in bits/dim
     * @param iwNats importance-weighted bound, or null when not requested
     * @param iwBitsPerDim its bits/dim, or null
     * @param backgroundBitsPerDim negative ELBO of the background model in bits/dim, or null when
     *     there is no background model
     * @param terms the ELBO's terms ({@link TermRecorder#nats()}) in bits/dim, each its share of
     *     {@code elboBitsPerDim}: they sum to it less the {@value #BIN_BITS} bits/dim of the
     *     256-level bins; null where not computed
     * @param orientation the orientation network's {@link OrientationNet#surprise} in nats, or null
     *     when the scorer has none
     */
    public record Scores(
            double[] elboNats,
            double[] elboBitsPerDim,
            double[] iwNats,
            double[] iwBitsPerDim,
            double[] backgroundBitsPerDim,
            BoundTerms terms,
            double[] orientation) {

        /** Bounds without terms. */
        public Scores(
                double[] elboNats,
                double[] elboBitsPerDim,
                double[] iwNats,
                double[] iwBitsPerDim,
                double[] backgroundBitsPerDim) {
            this(elboNats, elboBitsPerDim, iwNats, iwBitsPerDim, backgroundBitsPerDim, null, null);
        }

        /** The scores of images [from, to). */
        public Scores slice(int from, int to) {
            return new Scores(
                    range(elboNats, from, to),
                    range(elboBitsPerDim, from, to),
                    range(iwNats, from, to),
                    range(iwBitsPerDim, from, to),
                    range(backgroundBitsPerDim, from, to),
                    terms == null ? null : terms.slice(from, to),
                    range(orientation, from, to));
        }

        private static double[] range(double[] x, int from, int to) {
            return x == null ? null : Arrays.copyOfRange(x, from, to);
        }
    }

    /** What the discretisation into 256 levels adds to every bound: log2 256 bits per dimension. */
    public static final double BIN_BITS = 8;

    /**
     * Scores {@code count} images given as 0..255 floats in N, C, H, W order.
     *
     * @param iwSamples importance samples K for the IW bound; 0 skips it
     */
    public Scores score(float[] pixels, int count, int iwSamples) {
        FlowConfig c = model.config();
        try (NDScope scope = new NDScope();
                TermRecorder recorder = new TermRecorder()) {
            scope.suppressNotUsedWarning();
            NDArray x =
                    manager.create(pixels, new Shape(count, c.channels(), c.height(), c.width()))
                            .toType(model.dataType(), false);
            long[] keys = NoiseBank.imageKeys(pixels, count, c.dimensions());
            double[] elbo =
                    Tensors.toDoubles(
                            model.elbo(
                                    x,
                                    noise.noise(keys, 0),
                                    FlowContext.inference().withTerms(recorder)));
            BoundTerms terms = recorder.nats().scaled(-1 / (c.dimensions() * Math.log(2)));
            double[] iw =
                    iwSamples > 0
                            ? Tensors.toDoubles(
                                    model.importanceWeightedBound(
                                            x,
                                            importanceSamples(keys, iwSamples),
                                            FlowContext.inference()))
                            : null;
            double[] backgroundBpd =
                    background == null
                            ? null
                            : bitsPerDim(
                                    Tensors.toDoubles(
                                            background.elbo(
                                                    x,
                                                    backgroundNoise.noise(keys, 0),
                                                    FlowContext.inference())));
            double[] turned =
                    orientation == null ? null : Tensors.toDoubles(orientation.surprise(x));
            return scores(elbo, iw, backgroundBpd, terms, turned);
        }
    }

    /** The noise of each importance sample: samples 1 to K of the bank, the ELBO's being 0. */
    private List<NDArray> importanceSamples(long[] keys, int samples) {
        List<NDArray> draws = new ArrayList<>(samples);
        for (int k = 1; k <= samples; k++) {
            draws.add(noise.noise(keys, k));
        }
        return draws;
    }

    /**
     * Scores a whole set batch by batch, {@code passes} batches at once (each on a thread of its
     * own; 1 on the calling thread); {@code progress} receives the number of images done, rising,
     * from one thread at a time. The scores are the same for any batch size and number of passes:
     * an image's noise depends only on the image.
     */
    public Scores scoreAll(
            ImageSet images, int batchSize, int iwSamples, int passes, IntConsumer progress) {
        if (passes < 1) {
            throw new IllegalArgumentException("passes must be >= 1, got " + passes);
        }
        int n = images.size();
        // not (n + batchSize - 1) / batchSize, which overflows for a batch size near the int range
        Scores[] batches = new Scores[n == 0 ? 0 : (n - 1) / batchSize + 1];
        AtomicInteger next = new AtomicInteger();
        int[] done = {0};
        Runnable pass =
                () -> {
                    for (int b = next.getAndIncrement();
                            b < batches.length;
                            b = next.getAndIncrement()) {
                        int from = b * batchSize;
                        int to = Math.min(n, from + batchSize);
                        try {
                            batches[b] = score(images.toFloats(from, to), to - from, iwSamples);
                            synchronized (done) {
                                done[0] += to - from;
                                progress.accept(done[0]);
                            }
                        } catch (RuntimeException | Error e) {
                            // the other passes take no further batch
                            next.set(batches.length);
                            throw e;
                        }
                    }
                };
        PassThreads.run(pass, Math.min(passes, batches.length), "scoring-pass");
        double[] elbo = new double[n];
        double[] iw = iwSamples > 0 ? new double[n] : null;
        double[] backgroundBpd = background != null ? new double[n] : null;
        double[] turned = orientation != null ? new double[n] : null;
        List<BoundTerms> terms = new ArrayList<>();
        for (int b = 0; b < batches.length; b++) {
            Scores s = batches[b];
            int from = b * batchSize;
            int count = s.elboNats().length;
            System.arraycopy(s.elboNats(), 0, elbo, from, count);
            if (iw != null) {
                System.arraycopy(s.iwNats(), 0, iw, from, count);
            }
            if (backgroundBpd != null) {
                System.arraycopy(s.backgroundBitsPerDim(), 0, backgroundBpd, from, count);
            }
            if (turned != null) {
                System.arraycopy(s.orientation(), 0, turned, from, count);
            }
            terms.add(s.terms());
        }
        return scores(elbo, iw, backgroundBpd, n == 0 ? null : BoundTerms.concat(terms), turned);
    }

    private Scores scores(
            double[] elbo,
            double[] iw,
            double[] backgroundBpd,
            BoundTerms terms,
            double[] orientation) {
        return new Scores(
                elbo,
                bitsPerDim(elbo),
                iw,
                iw == null ? null : bitsPerDim(iw),
                backgroundBpd,
                terms,
                orientation);
    }

    private double[] bitsPerDim(double[] nats) {
        int d = model.config().dimensions();
        double[] bpd = new double[nats.length];
        for (int i = 0; i < nats.length; i++) {
            bpd[i] = Likelihoods.bitsPerDim(nats[i], d);
        }
        return bpd;
    }

    /**
     * The seed of the background model's dequantization noise in a scorer seeded with {@code seed}.
     */
    public static int backgroundSeed(int seed) {
        return seed + 1;
    }
}
