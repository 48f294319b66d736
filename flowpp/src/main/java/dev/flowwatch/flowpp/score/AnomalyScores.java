package dev.flowwatch.flowpp.score;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.LikelihoodScorer;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Anomaly scores of a batch from the model's bounds and the images themselves.
 *
 * <p>{@link ScoreKind#COMPLEXITY} is S(x) = bpd(x) − L(x)/D with bpd the negative ELBO: the ELBO is
 * what every scoring path computes, and the correction cancels the part of the code length that any
 * compressor would also pay for a simple or a complex image (Serrà et al., ICLR 2020, eq. 2).
 *
 * <p>{@link ScoreKind#LIKELIHOOD_RATIO} is S(x) = bpd(x) − bpd_background(x): the background model,
 * trained on copies of the same data with random pixels replaced, learns the population-level
 * statistics (smoothness, how much background) that dominate the likelihood, and subtracting its
 * code length leaves what only the semantics explain (Ren et al., NeurIPS 2019).
 *
 * <p>{@link ScoreKind#DOSE} judges the image's {@link DoseStatistics} t(x) by the calibration's
 * {@link KernelDensity} k, its {@link ShapeDescriptor} by its distance to the nearest normal images
 * and, where calibrated with them, how much nearer a blend of two normal shapes lies ({@link
 * BlendedNormals}) and the orientation network's surprise ({@link
 * LikelihoodScorer.Scores#orientation}), and takes the most surprising ({@link DoseModel}): each
 * single statistic fails on some kind of anomaly (simple images code cheaply, blurred ones too, the
 * complexity correction makes blur look normal, a garment upside down codes like one upright), but
 * an anomaly rarely keeps every statistic typical at once.
 */
public final class AnomalyScores {

    /**
     * The compressor of {@link ScoreKind#COMPLEXITY} when none is named: PNG, which separated
     * Fashion-MNIST from MNIST best with the bundled model (see scripts/bench-scores.sh).
     */
    public static final InputComplexity.Compressor DEFAULT_COMPRESSOR =
            InputComplexity.Compressor.PNG;

    /** Why a likelihood-ratio score cannot be computed without a background model, and the fix. */
    public static final String NO_BACKGROUND =
            "score kind likelihood_ratio needs a background model in the bundle ("
                    + ModelBundle.BACKGROUND
                    + "/): train one with 'flowpp-trainer train --background' and add it with"
                    + " 'flowpp-trainer attach-background'";

    /** Why a dose score with an orientation part cannot be computed without the network. */
    public static final String NO_ORIENTATION =
            "this dose calibration has an orientation part, which needs the bundle's orientation"
                    + " network ("
                    + ModelBundle.ORIENTATION
                    + "/) on every image: train one with 'flowpp-trainer train-orientation', or"
                    + " calibrate with --no-dose-orientation";

    private final InputComplexity.Compressor compressor;
    private final DoseModel dose;

    /** Every kind but {@link ScoreKind#DOSE}. */
    public AnomalyScores(InputComplexity.Compressor compressor) {
        this(compressor, null);
    }

    /**
     * @param dose the model of {@link ScoreKind#DOSE}, or null when it is not scored
     */
    public AnomalyScores(InputComplexity.Compressor compressor, DoseModel dose) {
        this.compressor = compressor;
        this.dose = dose;
    }

    /** The kinds of the calibration: {@link ScoreKind#DOSE} with its model when it has one. */
    public static AnomalyScores of(Calibration calibration) {
        return new AnomalyScores(calibration.compressor(), calibration.dose().orElse(null));
    }

    public InputComplexity.Compressor compressor() {
        return compressor;
    }

    /** One score of the given kind per image: {@link Batch#scores} of a batch of its own. */
    public double[] scores(ScoreKind kind, LikelihoodScorer.Scores scores, ImageSet images) {
        return batch(scores, images).scores(kind);
    }

    /**
     * The scores and statistics of these images, however many kinds are asked for: each image is
     * compressed once, when a kind or statistic first needs its complexity.
     *
     * @param scores the scorer's output for exactly these images, in their order
     * @throws IllegalArgumentException when the counts differ
     */
    public Batch batch(LikelihoodScorer.Scores scores, ImageSet images) {
        return batch(scores, ImageStatistics.of(images));
    }

    /**
     * {@link #batch(LikelihoodScorer.Scores, ImageSet)} over images whose statistics other batches
     * share, so that scores of several calibrations compress each image once.
     */
    public Batch batch(LikelihoodScorer.Scores scores, ImageStatistics images) {
        if (scores.elboBitsPerDim().length != images.images().size()) {
            throw new IllegalArgumentException(
                    "%d scores for %d images"
                            .formatted(scores.elboBitsPerDim().length, images.images().size()));
        }
        return new Batch(scores, images);
    }

    /**
     * Computes now everything that scores of this kind need of the images alone, for every image:
     * the complexity, dose's statistics of the image, what its shape parts say of it and its
     * outline. None needs the model, so a caller can run this while the model scores the same
     * images; a {@link Batch} over these statistics then only reads them.
     *
     * @throws IllegalArgumentException for {@link ScoreKind#DOSE} without its model
     */
    public void computeImageStatistics(ScoreKind kind, ImageStatistics images) {
        switch (kind) {
            case COMPLEXITY -> {
                if (images.images().size() > 0) {
                    images.complexity(compressor, 0);
                }
            }
            case DOSE -> {
                DoseStatistics.computeImageStatistics(requireDose().statistics(), images);
                if (dose.usesShape()) {
                    images.shapeMatches(dose);
                }
                if (dose.usesOutline() && images.images().size() > 0) {
                    images.outline(0);
                }
            }
            case BPD, BPD_IW, LIKELIHOOD_RATIO -> {}
        }
    }

    /** bpd(x) − L(x)/D of image {@code index}: the complexity score (Serrà et al., 2020). */
    static double complexityScore(
            LikelihoodScorer.Scores scores,
            ImageStatistics images,
            InputComplexity.Compressor compressor,
            int index) {
        return scores.elboBitsPerDim()[index] - images.complexity(compressor, index);
    }

    /**
     * bpd(x) − bpd_background(x) of image {@code index}.
     *
     * @throws IllegalArgumentException when the scores have no background bound
     */
    public static double likelihoodRatio(LikelihoodScorer.Scores scores, int index) {
        if (scores.backgroundBitsPerDim() == null) {
            throw new IllegalArgumentException(NO_BACKGROUND);
        }
        return scores.elboBitsPerDim()[index] - scores.backgroundBitsPerDim()[index];
    }

    private DoseModel requireDose() {
        if (dose == null) {
            throw new IllegalArgumentException(
                    "score kind dose needs the dose model of a calibration");
        }
        return dose;
    }

    /** A batch's bounds and images, with the images' own statistics computed at most once. */
    public final class Batch {

        private final LikelihoodScorer.Scores scores;
        private final ImageStatistics images;

        private Batch(LikelihoodScorer.Scores scores, ImageStatistics images) {
            this.scores = scores;
            this.images = images;
        }

        /**
         * One score of the given kind per image.
         *
         * @throws IllegalArgumentException for {@link ScoreKind#BPD_IW} when the scores have no IW
         *     bound, for {@link ScoreKind#LIKELIHOOD_RATIO} when they have no background bound, and
         *     for {@link ScoreKind#DOSE} without its model
         */
        public double[] scores(ScoreKind kind) {
            return switch (kind) {
                case BPD -> scores.elboBitsPerDim().clone();
                case BPD_IW -> {
                    if (scores.iwBitsPerDim() == null) {
                        throw new IllegalArgumentException(
                                "score kind bpd_iw needs the importance-weighted bound (IW"
                                        + " samples > 0)");
                    }
                    yield scores.iwBitsPerDim().clone();
                }
                case COMPLEXITY -> {
                    double[] s = new double[scores.elboBitsPerDim().length];
                    for (int i = 0; i < s.length; i++) {
                        s[i] = complexityScore(scores, images, compressor, i);
                    }
                    yield s;
                }
                case LIKELIHOOD_RATIO -> {
                    double[] s = new double[scores.elboBitsPerDim().length];
                    for (int i = 0; i < s.length; i++) {
                        s[i] = likelihoodRatio(scores, i);
                    }
                    yield s;
                }
                case DOSE -> DoseModel.Judgement.scores(doseJudgements());
            };
        }

        /**
         * Every image's dose score with the part it comes from ({@link DoseModel#judge}).
         *
         * @throws IllegalArgumentException without a dose model, or when it has an orientation part
         *     and the scores have no orientation surprises
         */
        public DoseModel.Judgement[] doseJudgements() {
            double[][] vectors = statistics(requireDose().statistics());
            DoseModel.ShapeMatch[] shapes = dose.usesShape() ? images.shapeMatches(dose) : null;
            double[] turned = dose.usesOrientation() ? orientation() : null;
            DoseModel.Judgement[] judgements = new DoseModel.Judgement[vectors.length];
            for (int i = 0; i < judgements.length; i++) {
                judgements[i] =
                        dose.judge(
                                vectors[i],
                                shapes == null ? null : shapes[i],
                                turned == null ? Double.NaN : turned[i],
                                dose.usesOutline() ? images.outline(i) : Double.NaN);
            }
            return judgements;
        }

        /** Every image's {@link ShapeDescriptor}, shared: do not change them. */
        public float[][] shapes() {
            return images.shapes();
        }

        /**
         * Every image's distance to the nearest normal shapes ({@link NearestNormals}), searched
         * once per batch however often asked ({@link ImageStatistics#shapeMatches}).
         *
         * @throws IllegalArgumentException without a dose model, or when it has no shape part
         */
        public double[] shapeDistances() {
            return shapeColumn(
                    requireDose().usesShape(),
                    "this calibration's dose score has no shape part; calibrate without"
                            + " --no-dose-shape",
                    DoseModel.ShapeMatch::distance);
        }

        /**
         * Every image's {@link BlendedNormals#gain}, from the same search as {@link
         * #shapeDistances}.
         *
         * @throws IllegalArgumentException without a dose model, or when it has no blend part
         */
        public double[] blendGains() {
            return shapeColumn(
                    requireDose().usesBlend(),
                    "this calibration's dose score has no blend part; calibrate with"
                            + " --dose-prototypes N, N > 0",
                    DoseModel.ShapeMatch::blendGain);
        }

        private double[] shapeColumn(
                boolean calibrated, String missing, ToDoubleFunction<DoseModel.ShapeMatch> part) {
            if (!calibrated) {
                throw new IllegalArgumentException(missing);
            }
            return Arrays.stream(images.shapeMatches(dose)).mapToDouble(part).toArray();
        }

        /** Every image's {@link ImageOutline}: a statistic of the image, with or without a dose. */
        public double[] outlines() {
            double[] o = new double[scores.elboBitsPerDim().length];
            for (int i = 0; i < o.length; i++) {
                o[i] = images.outline(i);
            }
            return o;
        }

        /**
         * Every image's orientation surprise, from the scores.
         *
         * @throws IllegalArgumentException when the scorer had no orientation network
         */
        private double[] orientation() {
            if (scores.orientation() == null) {
                throw new IllegalArgumentException(NO_ORIENTATION);
            }
            return scores.orientation();
        }

        /** Every image's {@link DoseStatistics} named {@code names}, {@code [image][statistic]}. */
        public double[][] statistics(List<String> names) {
            double[][] vectors = new double[scores.elboBitsPerDim().length][];
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = DoseStatistics.vector(names, scores, i, images);
            }
            return vectors;
        }
    }
}
