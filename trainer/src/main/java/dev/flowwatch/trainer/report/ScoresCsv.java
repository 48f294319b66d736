package dev.flowwatch.trainer.report;

import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.LikelihoodScorer.Scores;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes per-image scores as CSV: {@code index,label,elbo_nats,elbo_bpd}, plus {@code
 * iw_nats,iw_bpd} when the importance-weighted bound was computed. The label is empty for
 * unlabelled data; values use {@link Double#toString}, so they read back exactly.
 */
public final class ScoresCsv {

    private ScoresCsv() {}

    public static void write(Path csv, ImageSet images, Scores scores) throws IOException {
        if (scores.elboNats().length != images.size()) {
            throw new IllegalArgumentException(
                    scores.elboNats().length + " scores for " + images.size() + " images");
        }
        Path parent = csv.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        boolean iw = scores.iwNats() != null;
        try (BufferedWriter out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            out.write("index,label,elbo_nats,elbo_bpd" + (iw ? ",iw_nats,iw_bpd" : ""));
            out.newLine();
            for (int i = 0; i < images.size(); i++) {
                StringBuilder row = new StringBuilder().append(i).append(',');
                if (images.hasLabels()) {
                    row.append(images.label(i));
                }
                row.append(',').append(scores.elboNats()[i]).append(',').append(scores.elboBitsPerDim()[i]);
                if (iw) {
                    row.append(',').append(scores.iwNats()[i]).append(',').append(scores.iwBitsPerDim()[i]);
                }
                out.write(row.toString());
                out.newLine();
            }
        }
    }
}
