package dev.flowwatch.flowpp.score;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.ModelBundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The empirical null distribution of each score kind on held-out normal images, stored in a bundle
 * as {@value #FILE}, and the conformal p-values it gives.
 *
 * <p>With n calibration scores c_1..c_n, the p-value of a new score s is
 *
 * <pre>  p(s) = (1 + #{i : c_i &ge; s}) / (n + 1)</pre>
 *
 * (split conformal prediction, Vovk et al.; Bates et al., "Testing for outliers with conformal
 * p-values", 2023). If the new image and the calibration images are exchangeable (drawn alike from
 * the normal data and scored by the same model), P(p(s) &le; α) &le; α for every α: alerting when p
 * &lt; α keeps the false-alarm rate on normal data at most α. Only normal images are needed, so the
 * threshold never depends on having seen anomalies.
 */
public final class Calibration {

    public static final String FILE = "calibration.json";
    public static final String FORMAT = "flowwatch-calibration";
    public static final int FORMAT_VERSION = 1;

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /**
     * The file's content.
     *
     * @param modelVersion the weights that produced the scores; a calibration of other weights is
     *     refused
     * @param backgroundVersion the background model's weights behind the likelihood-ratio scores,
     *     or null when there are none; with another background those scores are not used
     * @param data where the images came from (path and description)
     * @param images how many images were scored
     * @param compressor the compressor of the complexity score
     * @param nullScores per score kind id, the scores in ascending order
     */
    record Content(
            String format,
            int formatVersion,
            String modelId,
            String modelVersion,
            String backgroundVersion,
            String createdAt,
            String data,
            int images,
            String compressor,
            Map<String, double[]> nullScores) {}

    private final Content content;
    private final Map<ScoreKind, double[]> sorted;
    private final String staleBackground;

    private Calibration(Content content, Map<ScoreKind, double[]> sorted, String staleBackground) {
        this.content = content;
        this.sorted = sorted;
        this.staleBackground = staleBackground;
    }

    /**
     * A calibration from the scores of held-out normal images.
     *
     * @param background the bundle's background model, or null when it has none
     * @param createdAt ISO-8601 instant
     * @throws IllegalArgumentException for likelihood-ratio scores without a background model
     */
    public static Calibration of(
            BundleManifest model,
            BundleManifest background,
            String data,
            String createdAt,
            InputComplexity.Compressor compressor,
            Map<ScoreKind, double[]> scores) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("a calibration needs at least one score kind");
        }
        if (scores.containsKey(ScoreKind.LIKELIHOOD_RATIO) && background == null) {
            throw new IllegalArgumentException(AnomalyScores.NO_BACKGROUND);
        }
        Map<ScoreKind, double[]> sorted = new EnumMap<>(ScoreKind.class);
        Map<String, double[]> byId = new LinkedHashMap<>();
        int images = -1;
        for (Map.Entry<ScoreKind, double[]> e : scores.entrySet()) {
            double[] s = e.getValue().clone();
            if (s.length == 0 || (images >= 0 && s.length != images)) {
                throw new IllegalArgumentException(
                        "every score kind needs the same, non-zero number of scores");
            }
            images = s.length;
            Arrays.sort(s);
            sorted.put(e.getKey(), s);
            byId.put(e.getKey().id(), s);
        }
        Content content =
                new Content(
                        FORMAT,
                        FORMAT_VERSION,
                        model.modelId(),
                        model.modelVersion(),
                        background == null ? null : background.modelVersion(),
                        createdAt,
                        data,
                        images,
                        compressor.id(),
                        byId);
        return new Calibration(content, sorted, null);
    }

    /**
     * The calibration of the bundle in {@code bundleDir}.
     *
     * @throws BundleException naming {@value #FILE} when it is missing, unreadable, or made for
     *     other weights
     */
    public static Calibration read(Path bundleDir) {
        return find(bundleDir)
                .orElseThrow(
                        () ->
                                new BundleException(
                                        bundleDir.resolve(FILE),
                                        "missing: the bundle is not calibrated; run"
                                                + " 'flowpp-trainer calibrate --model "
                                                + bundleDir
                                                + " --data HELD_OUT_NORMALS'"));
    }

    /** The bundle's calibration, or empty when it has none; a broken one fails as in read. */
    public static Optional<Calibration> find(Path bundleDir) {
        Path file = bundleDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Content c;
        try {
            c = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), Content.class);
        } catch (IOException e) {
            throw new BundleException(file, "unreadable: " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new BundleException(file, "not a valid calibration: " + e.getMessage(), e);
        }
        if (c == null || !FORMAT.equals(c.format()) || c.formatVersion() != FORMAT_VERSION) {
            throw new BundleException(
                    file, "not a " + FORMAT + " file of version " + FORMAT_VERSION);
        }
        String bundleVersion = ModelBundle.readManifest(bundleDir).modelVersion();
        if (!bundleVersion.equals(c.modelVersion())) {
            throw new BundleException(
                    file,
                    "made for model version "
                            + c.modelVersion()
                            + ", but the bundle holds "
                            + bundleVersion
                            + "; calibrate again");
        }
        Map<ScoreKind, double[]> sorted = new EnumMap<>(ScoreKind.class);
        for (Map.Entry<String, double[]> e : c.nullScores().entrySet()) {
            double[] s = e.getValue().clone();
            Arrays.sort(s);
            try {
                sorted.put(ScoreKind.parse(e.getKey()), s);
            } catch (IllegalArgumentException unknown) {
                throw new BundleException(file, unknown.getMessage(), unknown);
            }
        }
        String staleBackground = null;
        if (sorted.containsKey(ScoreKind.LIKELIHOOD_RATIO)) {
            String now =
                    ModelBundle.readBackgroundManifest(bundleDir)
                            .map(BundleManifest::modelVersion)
                            .orElse(null);
            if (!Objects.equals(now, c.backgroundVersion())) {
                // the other kinds stay valid: only these scores involve the background's weights
                sorted.remove(ScoreKind.LIKELIHOOD_RATIO);
                staleBackground =
                        String.format(
                                "the likelihood_ratio calibration in %s was made with background"
                                        + " model %s, but the bundle holds %s; calibrate again",
                                file, c.backgroundVersion(), now == null ? "none" : now);
            }
        }
        return Optional.of(new Calibration(c, sorted, staleBackground));
    }

    /** The file's bytes, to add to the bundle. */
    public byte[] toJson() {
        return GSON.toJson(content).getBytes(StandardCharsets.UTF_8);
    }

    public boolean has(ScoreKind kind) {
        return sorted.containsKey(kind);
    }

    /** Number of calibration images n. */
    public int images() {
        return content.images();
    }

    public String data() {
        return content.data();
    }

    public String createdAt() {
        return content.createdAt();
    }

    public String modelVersion() {
        return content.modelVersion();
    }

    public InputComplexity.Compressor compressor() {
        return InputComplexity.Compressor.parse(content.compressor());
    }

    /** The conformal p-value (1 + #{c_i &ge; s}) / (n + 1) of score {@code s}. */
    public double pValue(ScoreKind kind, double score) {
        return ConformalPValues.pValue(scores(kind), score);
    }

    /**
     * The score t with p(s) &lt; α exactly when s &gt; t, for dashboards and plain comparisons.
     *
     * @throws IllegalArgumentException when no score can reach p &lt; α, i.e. n + 1 &le; 1/α
     * @see ConformalPValues#threshold
     */
    public double threshold(ScoreKind kind, double alpha) {
        return ConformalPValues.threshold(scores(kind), alpha);
    }

    /** The null scores of {@code kind}, ascending (a copy). */
    public double[] nullScores(ScoreKind kind) {
        return scores(kind).clone();
    }

    /** Why {@code kind} has no null distribution here, for messages. */
    public String whyMissing(ScoreKind kind) {
        if (kind == ScoreKind.LIKELIHOOD_RATIO && staleBackground != null) {
            return staleBackground;
        }
        return "no calibration for score kind "
                + kind.id()
                + "; calibrated: "
                + sorted.keySet().stream().map(ScoreKind::id).toList();
    }

    private double[] scores(ScoreKind kind) {
        double[] c = sorted.get(kind);
        if (c == null) {
            throw new IllegalArgumentException(whyMissing(kind));
        }
        return c;
    }
}
