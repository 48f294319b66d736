package dev.flowwatch.flowpp.score;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.bundle.OrientationManifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntFunction;

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

    /**
     * Version 2 added the density of score kind dose, version 3 its shape part and the null of each
     * part ({@link DoseModel}), version 4 the shape part's signed two-scale descriptors compared
     * along principal axes, version 5 its orientation part ({@code orientationVersion} and the
     * part's null), version 6 its blend part ({@link BlendedNormals}'s prototypes and the part's
     * null), version 7 its outline part (the part's null, {@link ImageOutline}). Files of versions
     * 1 to 6 still read (versions 5 and 6 without the parts added after them), without dose in
     * version 2's, nor in version 3's when it has the shape part. Written without indentation: the
     * dose model's reference set makes the file megabytes long, and a bundle travels whole.
     */
    public static final int FORMAT_VERSION = 7;

    private static final Gson GSON =
            new GsonBuilder()
                    .disableHtmlEscaping()
                    // a statistic can make a score +Infinity (DoseStatistics)
                    .serializeSpecialFloatingPointValues()
                    .create();

    /**
     * The file's content.
     *
     * @param modelVersion the weights that produced the scores; a calibration of other weights is
     *     refused
     * @param backgroundVersion the background model's weights behind the likelihood-ratio scores,
     *     or null when there are none; with another background those scores are not used
     * @param orientationVersion the orientation network's weights behind the dose score's
     *     orientation part, or null when it has none; with another network dose is not used
     * @param data where the images came from (path and description)
     * @param images how many images were scored
     * @param compressor the compressor of the complexity score
     * @param nullScores per score kind id, the scores in ascending order
     * @param dose the model of score kind dose, or null when it is not calibrated
     * @param iwSamples K of the importance-weighted bound behind the bpd_iw null scores, or null
     *     (none, or a file written before K was recorded)
     */
    record Content(
            String format,
            int formatVersion,
            String modelId,
            String modelVersion,
            String backgroundVersion,
            String orientationVersion,
            String createdAt,
            String data,
            int images,
            String compressor,
            Map<String, double[]> nullScores,
            DoseModel.State dose,
            Integer iwSamples) {}

    private final Content content;
    private final Map<ScoreKind, double[]> sorted;
    private final DoseModel dose;
    private final Map<ScoreKind, String> stale;

    private Calibration(
            Content content,
            Map<ScoreKind, double[]> sorted,
            DoseModel dose,
            Map<ScoreKind, String> stale) {
        this.content = content;
        this.sorted = sorted;
        this.dose = dose;
        this.stale = stale;
    }

    /**
     * A calibration from the scores of held-out normal images.
     *
     * @param background the bundle's background model, or null when it has none
     * @param orientation the bundle's orientation network, or null when it has none
     * @param createdAt ISO-8601 instant
     * @param images how many images were scored
     * @param scores per kind, the null scores: one per image, except for dose, whose density was
     *     fitted on half of them and whose null scores are the other half's ({@link DoseFit})
     * @param dose the model of score kind dose, or null when it is not calibrated
     * @throws IllegalArgumentException for likelihood-ratio scores, or a density over the
     *     background's bits/dim, without a background model; for dose scores without a model
     */
    public static Calibration of(
            BundleManifest model,
            BundleManifest background,
            OrientationManifest orientation,
            String data,
            String createdAt,
            InputComplexity.Compressor compressor,
            int images,
            Map<ScoreKind, double[]> scores,
            DoseModel dose) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("a calibration needs at least one score kind");
        }
        if (background == null
                && (scores.containsKey(ScoreKind.LIKELIHOOD_RATIO)
                        || (dose != null && DoseStatistics.usesBackground(dose.statistics())))) {
            throw new IllegalArgumentException(AnomalyScores.NO_BACKGROUND);
        }
        if (orientation == null && dose != null && dose.usesOrientation()) {
            throw new IllegalArgumentException(AnomalyScores.NO_ORIENTATION);
        }
        if (scores.containsKey(ScoreKind.DOSE) != (dose != null)) {
            throw new IllegalArgumentException(
                    "score kind dose needs its model, and a model its dose scores");
        }
        Map<ScoreKind, double[]> sorted = new EnumMap<>(ScoreKind.class);
        Map<String, double[]> byId = new LinkedHashMap<>();
        for (Map.Entry<ScoreKind, double[]> e : scores.entrySet()) {
            double[] s = e.getValue().clone();
            boolean half = e.getKey() == ScoreKind.DOSE;
            if (s.length == 0 || (half ? s.length > images : s.length != images)) {
                throw new IllegalArgumentException(
                        "score kind "
                                + e.getKey().id()
                                + " has "
                                + s.length
                                + " scores for "
                                + images
                                + " images");
            }
            requireNoNaN(e.getKey().id(), s);
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
                        dose != null && dose.usesOrientation() ? orientation.version() : null,
                        createdAt,
                        data,
                        images,
                        compressor.id(),
                        byId,
                        dose == null ? null : dose.state(),
                        null);
        return new Calibration(content, sorted, dose, Map.of());
    }

    /**
     * This calibration, recording that its bpd_iw null scores are bounds of {@code k} importance
     * samples: the bound tightens as K grows, so scores of another K would not hold the false-alarm
     * rate ({@link #iwSamples}).
     */
    public Calibration withIwSamples(int k) {
        Content c = content;
        return new Calibration(
                new Content(
                        c.format(),
                        c.formatVersion(),
                        c.modelId(),
                        c.modelVersion(),
                        c.backgroundVersion(),
                        c.orientationVersion(),
                        c.createdAt(),
                        c.data(),
                        c.images(),
                        c.compressor(),
                        c.nullScores(),
                        c.dose(),
                        k),
                sorted,
                dose,
                stale);
    }

    /** A NaN among null scores (a diverged model's) would make the p-values of others wrong. */
    private static void requireNoNaN(String kind, double[] scores) {
        for (int i = 0; i < scores.length; i++) {
            if (Double.isNaN(scores[i])) {
                throw new IllegalArgumentException(
                        "score kind " + kind + ": null score " + i + " is NaN");
            }
        }
    }

    /**
     * Why these bpd_iw null scores cannot serve a bound of {@code k} importance samples, when they
     * were made with another K: a bound of more samples is tighter, so p-values against another K's
     * null would not hold the false-alarm rate. Empty when K is the same or not recorded.
     *
     * @param given how the caller was asked for {@code k}, e.g. "iw.samples=64"
     * @param useTheirs how to ask for the calibration's K instead, given it
     */
    public Optional<String> iwSamplesConflict(
            int k, Path bundleDir, String given, IntFunction<String> useTheirs) {
        OptionalInt theirs = iwSamples();
        if (theirs.isEmpty() || theirs.getAsInt() == k) {
            return Optional.empty();
        }
        return Optional.of(
                String.format(
                        "%s: %s holds bpd_iw null scores of K=%d importance samples; %s, or"
                                + " calibrate again with --iw-samples %d",
                        given,
                        bundleDir.resolve(FILE),
                        theirs.getAsInt(),
                        useTheirs.apply(theirs.getAsInt()),
                        k));
    }

    /** K of the importance-weighted bound behind the bpd_iw null scores, when recorded. */
    public OptionalInt iwSamples() {
        return content.iwSamples() == null
                ? OptionalInt.empty()
                : OptionalInt.of(content.iwSamples());
    }

    /**
     * A calibration of kinds other than dose, each with one null score per image.
     *
     * @see #of(BundleManifest, BundleManifest, OrientationManifest, String, String,
     *     InputComplexity.Compressor, int, Map, DoseModel)
     */
    public static Calibration of(
            BundleManifest model,
            BundleManifest background,
            String data,
            String createdAt,
            InputComplexity.Compressor compressor,
            Map<ScoreKind, double[]> scores) {
        int images = scores.values().stream().findFirst().map(s -> s.length).orElse(0);
        return of(model, background, null, data, createdAt, compressor, images, scores, null);
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
        if (c == null
                || !FORMAT.equals(c.format())
                || c.formatVersion() < 1
                || c.formatVersion() > FORMAT_VERSION) {
            throw new BundleException(
                    file, "not a " + FORMAT + " file of version 1 to " + FORMAT_VERSION);
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
        if (c.nullScores() == null || c.nullScores().isEmpty()) {
            throw new BundleException(file, "no nullScores; calibrate again");
        }
        Map<ScoreKind, double[]> sorted = new EnumMap<>(ScoreKind.class);
        for (Map.Entry<String, double[]> e : c.nullScores().entrySet()) {
            try {
                if (e.getValue() == null || e.getValue().length == 0) {
                    throw new IllegalArgumentException("score kind " + e.getKey() + ": no scores");
                }
                double[] s = e.getValue().clone();
                requireNoNaN(e.getKey(), s);
                Arrays.sort(s);
                sorted.put(ScoreKind.parse(e.getKey()), s);
            } catch (IllegalArgumentException broken) {
                // an empty or NaN null would give every score p = 1: no alert, ever
                throw new BundleException(file, broken.getMessage() + "; calibrate again", broken);
            }
        }
        Map<ScoreKind, String> stale = new EnumMap<>(ScoreKind.class);
        DoseModel dose = null;
        String staleDose =
                c.formatVersion() < 3
                        // its scores were −log of the density alone, on another scale than today's
                        ? "from before dose judged shapes"
                        : c.formatVersion() < 4 && c.dose() != null && c.dose().shape() != null
                                // its reference shapes are descriptors of another kind
                                ? "whose shape part compares other descriptors than today's"
                                : null;
        if (sorted.containsKey(ScoreKind.DOSE) && staleDose != null) {
            sorted.remove(ScoreKind.DOSE);
            stale.put(
                    ScoreKind.DOSE,
                    String.format(
                            "the dose calibration in %s is of format %d, %s; calibrate again",
                            file, c.formatVersion(), staleDose));
        } else if (sorted.containsKey(ScoreKind.DOSE)) {
            try {
                dose = DoseModel.of(Objects.requireNonNull(c.dose(), "no model"));
            } catch (IllegalArgumentException | NullPointerException broken) {
                throw new BundleException(file, "score kind dose: " + broken.getMessage(), broken);
            }
        }
        if (dose != null && dose.usesOrientation()) {
            String now =
                    ModelBundle.readOrientationManifest(bundleDir)
                            .map(OrientationManifest::version)
                            .orElse(null);
            if (!Objects.equals(now, c.orientationVersion())) {
                sorted.remove(ScoreKind.DOSE);
                dose = null;
                stale.put(
                        ScoreKind.DOSE,
                        String.format(
                                "the dose calibration in %s was made with orientation network %s,"
                                        + " but the bundle holds %s; calibrate again",
                                file, c.orientationVersion(), now == null ? "none" : now));
            }
        }
        List<ScoreKind> withBackground = new ArrayList<>();
        if (sorted.containsKey(ScoreKind.LIKELIHOOD_RATIO)) {
            withBackground.add(ScoreKind.LIKELIHOOD_RATIO);
        }
        if (dose != null && DoseStatistics.usesBackground(dose.statistics())) {
            withBackground.add(ScoreKind.DOSE);
        }
        if (!withBackground.isEmpty()) {
            String now =
                    ModelBundle.readBackgroundManifest(bundleDir)
                            .map(BundleManifest::modelVersion)
                            .orElse(null);
            if (!Objects.equals(now, c.backgroundVersion())) {
                // the other kinds stay valid: only these scores involve the background's weights
                withBackground.forEach(sorted::remove);
                String why =
                        String.format(
                                "the %s calibration in %s was made with background model %s, but"
                                        + " the bundle holds %s; calibrate again",
                                withBackground.stream().map(ScoreKind::id).toList(),
                                file,
                                c.backgroundVersion(),
                                now == null ? "none" : now);
                withBackground.forEach(k -> stale.put(k, why));
            }
        }
        return Optional.of(
                new Calibration(
                        c, sorted, sorted.containsKey(ScoreKind.DOSE) ? dose : null, stale));
    }

    /** The file's bytes, to add to the bundle. */
    public byte[] toJson() {
        return GSON.toJson(content).getBytes(StandardCharsets.UTF_8);
    }

    public boolean has(ScoreKind kind) {
        return sorted.containsKey(kind);
    }

    /** Number of images scored to calibrate. */
    public int images() {
        return content.images();
    }

    /** Number n of null scores of {@code kind}: the images, or half of them for dose. */
    public int nullCount(ScoreKind kind) {
        return scores(kind).length;
    }

    /** The model of score kind dose, when it is calibrated. */
    public Optional<DoseModel> dose() {
        return Optional.ofNullable(dose);
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
        if (stale.containsKey(kind)) {
            return stale.get(kind);
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
