package dev.flowwatch.flowpp.score;

import dev.flowwatch.flowpp.flow.BoundTerms;
import dev.flowwatch.flowpp.model.LikelihoodScorer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * The per-image statistics that the {@link ScoreKind#DOSE} score judges together, all in
 * bits/dim: the ELBO's terms (the dequantizer's, the logit transform's, and each scale's prior and
 * log-determinant: local texture apart from global shape), the input complexity L(x)/D, and,
 * where asked for, the background model's bits/dim.
 */
public final class DoseStatistics {

    /** The background model's negative ELBO, bits/dim. */
    public static final String BACKGROUND = "background_bpd";

    private static final String COMPLEXITY = "complexity_";

    private DoseStatistics() {}

    /** The statistics of a model with these terms. */
    public static List<String> names(
            BoundTerms terms, InputComplexity.Compressor compressor, boolean background) {
        List<String> names = new ArrayList<>(terms.names());
        names.add(COMPLEXITY + compressor.id());
        if (background) {
            names.add(BACKGROUND);
        }
        return List.copyOf(names);
    }

    /** Whether these statistics need the background model. */
    public static boolean usesBackground(List<String> names) {
        return names.contains(BACKGROUND);
    }

    /**
     * The statistics of image {@code index} of a batch.
     *
     * @param complexity L(x)/D of the image, asked for only when a statistic is the complexity
     * @throws IllegalArgumentException when the scores lack the terms or the background bound a
     *     statistic needs
     */
    public static double[] vector(
            List<String> names,
            LikelihoodScorer.Scores scores,
            int index,
            DoubleSupplier complexity) {
        double[] v = new double[names.size()];
        for (int j = 0; j < v.length; j++) {
            String name = names.get(j);
            if (name.startsWith(COMPLEXITY)) {
                v[j] = complexity.getAsDouble();
            } else if (name.equals(BACKGROUND)) {
                if (scores.backgroundBitsPerDim() == null) {
                    throw new IllegalArgumentException(AnomalyScores.NO_BACKGROUND);
                }
                v[j] = scores.backgroundBitsPerDim()[index];
            } else {
                if (scores.terms() == null) {
                    throw new IllegalArgumentException(
                            "score kind dose needs the bound's terms, which these scores lack");
                }
                v[j] = scores.terms().column(name)[index];
            }
        }
        return v;
    }
}
