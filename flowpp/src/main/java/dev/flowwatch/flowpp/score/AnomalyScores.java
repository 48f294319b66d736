package dev.flowwatch.flowpp.score;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.LikelihoodScorer;

/**
 * Anomaly scores of a batch from the model's bounds and the images themselves.
 *
 * <p>{@link ScoreKind#COMPLEXITY} is S(x) = bpd(x) − L(x)/D with bpd the negative ELBO: the ELBO is
 * what every scoring path computes, and the correction cancels the part of the code length that any
 * compressor would also pay for a simple or a complex image (Serrà et al., ICLR 2020, eq. 2).
 */
public final class AnomalyScores {

    /**
     * The compressor of {@link ScoreKind#COMPLEXITY} when none is named: PNG, which separated
     * Fashion-MNIST from MNIST best with the bundled model (see scripts/bench-scores.sh).
     */
    public static final InputComplexity.Compressor DEFAULT_COMPRESSOR =
            InputComplexity.Compressor.PNG;

    private final InputComplexity.Compressor compressor;

    public AnomalyScores(InputComplexity.Compressor compressor) {
        this.compressor = compressor;
    }

    public InputComplexity.Compressor compressor() {
        return compressor;
    }

    /**
     * One score of the given kind per image.
     *
     * @param scores the scorer's output for exactly these images, in their order
     * @throws IllegalArgumentException for {@link ScoreKind#BPD_IW} when the scores have no IW
     *     bound, or when the counts differ
     */
    public double[] scores(ScoreKind kind, LikelihoodScorer.Scores scores, ImageSet images) {
        if (scores.elboBitsPerDim().length != images.size()) {
            throw new IllegalArgumentException(
                    "%d scores for %d images"
                            .formatted(scores.elboBitsPerDim().length, images.size()));
        }
        return switch (kind) {
            case BPD -> scores.elboBitsPerDim().clone();
            case BPD_IW -> {
                if (scores.iwBitsPerDim() == null) {
                    throw new IllegalArgumentException(
                            "score kind bpd_iw needs the importance-weighted bound (IW samples >"
                                    + " 0)");
                }
                yield scores.iwBitsPerDim().clone();
            }
            case COMPLEXITY -> {
                double[] s = new double[images.size()];
                for (int i = 0; i < s.length; i++) {
                    s[i] = scores.elboBitsPerDim()[i] - complexity(images, i);
                }
                yield s;
            }
        };
    }

    /** L(x)/D of image {@code index}, in bits per dimension. */
    public double complexity(ImageSet images, int index) {
        return InputComplexity.bitsPerDim(
                compressor,
                images.pixels(index, index + 1),
                images.channels(),
                images.height(),
                images.width());
    }
}
