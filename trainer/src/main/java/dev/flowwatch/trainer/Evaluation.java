package dev.flowwatch.trainer;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.annotations.SerializedName;
import java.util.Arrays;
import java.util.Locale;

/**
 * The result of {@code evaluate}: mean test bits/dim over a data set. Non-finite means (a diverged
 * model) are null, since JSON has no NaN.
 *
 * @param images images scored
 * @param bitsPerDimElbo mean negative ELBO in bits/dim
 * @param bitsPerDimIw mean negative importance-weighted bound in bits/dim; null when not computed
 * @param iwSamples K of the importance-weighted bound, 0 when not computed
 * @param imagesPerSecond throughput of the whole scoring
 */
record Evaluation(
        int images,
        @SerializedName("bpd_elbo") Double bitsPerDimElbo,
        @SerializedName("bpd_iw") Double bitsPerDimIw,
        @SerializedName("iw_samples") int iwSamples,
        @SerializedName("images_per_second") double imagesPerSecond) {

    private static final Gson GSON = new GsonBuilder().serializeNulls().create();

    static Evaluation of(ModelScoring.Scored scored) {
        double[] iw = scored.scores().iwBitsPerDim();
        return new Evaluation(scored.images().size(), finiteMean(scored.scores().elboBitsPerDim()),
                iw == null ? null : finiteMean(iw), scored.iwSamples(), scored.images().size() / scored.seconds());
    }

    String toJson() {
        return GSON.toJson(this);
    }

    String summary() {
        String bounds = "bits/dim %s (ELBO)".formatted(format(bitsPerDimElbo));
        if (bitsPerDimIw != null || iwSamples > 0) {
            bounds += ", %s (importance-weighted, K=%d)".formatted(format(bitsPerDimIw), iwSamples);
        }
        return String.format(Locale.ROOT, "%d images: %s; %.1f images/s", images, bounds, imagesPerSecond);
    }

    private static Double finiteMean(double[] values) {
        double mean = Arrays.stream(values).average().orElse(Double.NaN);
        return Double.isFinite(mean) ? mean : null;
    }

    private static String format(Double value) {
        return value == null ? "NaN" : String.format(Locale.ROOT, "%.4f", value);
    }
}
