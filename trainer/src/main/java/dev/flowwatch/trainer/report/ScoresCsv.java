package dev.flowwatch.trainer.report;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.LikelihoodScorer.Scores;
import dev.flowwatch.flowpp.score.AnomalyScores;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Writes per-image scores as CSV: {@code index,label,elbo_nats,elbo_bpd}, plus {@code
 * iw_nats,iw_bpd} when the importance-weighted bound was computed, and {@code
 * background_bpd,likelihood_ratio} when the bundle has a background model. The label is empty for
 * unlabelled data; values use {@link Double#toString}, so they read back exactly.
 */
public final class ScoresCsv {

    private ScoresCsv() {}

    public static void write(Path csv, ImageSet images, Scores scores) throws IOException {
        if (scores.elboNats().length != images.size()) {
            throw new IllegalArgumentException(
                    scores.elboNats().length + " scores for " + images.size() + " images");
        }
        boolean iw = scores.iwNats() != null;
        boolean background = scores.backgroundBitsPerDim() != null;
        StringBuilder out =
                new StringBuilder("index,label,elbo_nats,elbo_bpd")
                        .append(iw ? ",iw_nats,iw_bpd" : "")
                        .append(background ? ",background_bpd,likelihood_ratio" : "");
        for (int i = 0; i < images.size(); i++) {
            out.append('\n').append(i).append(',');
            if (images.hasLabels()) {
                out.append(images.label(i));
            }
            out.append(',')
                    .append(scores.elboNats()[i])
                    .append(',')
                    .append(scores.elboBitsPerDim()[i]);
            if (iw) {
                out.append(',')
                        .append(scores.iwNats()[i])
                        .append(',')
                        .append(scores.iwBitsPerDim()[i]);
            }
            if (background) {
                out.append(',')
                        .append(scores.backgroundBitsPerDim()[i])
                        .append(',')
                        .append(AnomalyScores.likelihoodRatio(scores, i));
            }
        }
        ReportFiles.write(csv, out.append('\n').toString().getBytes(StandardCharsets.UTF_8));
    }
}
