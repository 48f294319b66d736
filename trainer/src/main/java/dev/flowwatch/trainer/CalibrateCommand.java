package dev.flowwatch.trainer;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.BlendedNormals;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.DoseFit;
import dev.flowwatch.flowpp.score.DoseModel;
import dev.flowwatch.flowpp.score.DoseStatistics;
import dev.flowwatch.flowpp.score.InputComplexity;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.trainer.Arguments.CompressorName;
import dev.flowwatch.trainer.Arguments.ScoreKindName;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code calibrate}: stores the null distribution of the scores of held-out normal images. */
@Command(
        name = "calibrate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Scores held-out normal images and stores their sorted scores in the bundle as "
                    + Calibration.FILE
                    + ", so that every later score gets a conformal p-value.",
            "The bundle keeps its weights, identity and other files; the write is atomic.",
            "Use images the model was not trained on: training images score too well and make"
                    + " the p-values too small."
        })
final class CalibrateCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Mixin private ModelOption model;

    @Mixin private DataOption data;

    @Mixin private ScoringOptions scoring;

    @Mixin private DeviceOption device;

    @Mixin private DoseReferencesOption doseReferences;

    @Option(
            names = "--score-kinds",
            split = ",",
            paramLabel = "KIND",
            converter = ScoreKindName.class,
            description =
                    "Score kinds to calibrate: bpd, bpd_iw (needs --iw-samples), complexity,"
                            + " likelihood_ratio (needs a background model in the bundle), dose"
                            + " (fits its density, and its reference shapes unless"
                            + " --dose-references, on the even-indexed images, takes the"
                            + " odd-indexed ones' scores as its null)."
                            + " Default: every kind the bundle and --iw-samples allow.")
    private List<ScoreKind> kinds;

    @Option(
            names = "--dose-background",
            description =
                    "Add the background model's bits/dim to the statistics of score kind dose"
                            + " (needs a background model; the stream then runs both models on"
                            + " every batch).")
    private boolean doseBackground;

    @Option(
            names = "--dose-layout",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Whether the image's layout (mean intensity, centroid, second moments) is among"
                            + " the statistics of score kind dose (default: ${DEFAULT-VALUE}).")
    private boolean doseLayout;

    @Option(
            names = "--dose-shape",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Whether score kind dose also judges the image's shape, by the distance of its"
                            + " gradient-direction histograms to the nearest reference image's"
                            + " (--dose-references) (default: ${DEFAULT-VALUE}).")
    private boolean doseShape;

    @Option(
            names = "--dose-prototypes",
            paramLabel = "N",
            description =
                    "Prototypes (k-means centroids of the shape references) of dose's blend part,"
                            + " which judges how much nearer the image lies to a blend of its"
                            + " nearest reference and a prototype than to that reference alone"
                            + " (a mix of two garments does); 0 leaves the part out (default: "
                            + BlendedNormals.DEFAULT_PROTOTYPES
                            + " with the shape part).")
    private Integer dosePrototypes;

    @Option(
            names = "--dose-outline",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Whether score kind dose also judges how faint the image's outline is against"
                            + " its body, as a part of its own: an image that is two overlaid has"
                            + " an outline of half brightness where only one covers (default:"
                            + " ${DEFAULT-VALUE}).")
    private boolean doseOutline;

    @Option(
            names = "--dose-orientation",
            negatable = true,
            description =
                    "Whether score kind dose also judges how sure the bundle's orientation network"
                            + " (train-orientation) is that the image is upright, as a part of its"
                            + " own (default: when the bundle has the network).")
    private Boolean doseOrientation;

    @Option(
            names = "--compressor",
            defaultValue = "png",
            paramLabel = "NAME",
            converter = CompressorName.class,
            description =
                    "Compressor of the complexity score: png or deflate (default:"
                            + " ${DEFAULT-VALUE}).")
    private InputComplexity.Compressor compressor;

    /** At which the thresholds are printed and the guard of --replace-larger judges. */
    @Mixin private AlphaOption alpha;

    @Option(
            names = "--replace-larger",
            description =
                    "Write the calibration even where it is on too few images to alert at --alpha"
                            + " and replaces one on more images that can.")
    private boolean replaceLarger;

    @Override
    public Integer call() throws IOException {
        if (kinds != null && kinds.contains(ScoreKind.BPD_IW) && scoring.iwSamples() == 0) {
            throw new ParameterException(
                    spec.commandLine(), "score kind bpd_iw needs --iw-samples K with K > 0");
        }
        if (doseReferences.given()
                && (!doseShape || (kinds != null && !kinds.contains(ScoreKind.DOSE)))) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--dose-references is for the shape part of score kind dose; it is not"
                            + " calibrated here");
        }
        if (dosePrototypes != null && (dosePrototypes < 0 || (dosePrototypes > 0 && !doseShape))) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--dose-prototypes must be 0 or more, and more than 0 only with the shape part"
                            + " of score kind dose");
        }
        boolean hasBackground = ModelBundle.readBackgroundManifest(model.bundle()).isPresent();
        boolean hasOrientation = ModelBundle.readOrientationManifest(model.bundle()).isPresent();
        if (Boolean.TRUE.equals(doseOrientation) && !hasOrientation) {
            throw new ParameterException(spec.commandLine(), AnomalyScores.NO_ORIENTATION);
        }
        if (((kinds != null && kinds.contains(ScoreKind.LIKELIHOOD_RATIO)) || doseBackground)
                && !hasBackground) {
            throw new ParameterException(spec.commandLine(), AnomalyScores.NO_BACKGROUND);
        }
        ModelScoring.Scored scored =
                new ModelScoring(scoring)
                        .scoreDataSet(model.bundle(), data.path(), device::newManager);
        AnomalyScores.Batch batch =
                new AnomalyScores(compressor).batch(scored.scores(), scored.images());
        Map<ScoreKind, double[]> byKind = new EnumMap<>(ScoreKind.class);
        DoseModel dose = null;
        for (ScoreKind kind : kinds != null ? kinds : allowedKinds(hasBackground)) {
            if (kind == ScoreKind.DOSE) {
                DoseFit fit = fitDose(batch, scored);
                dose = fit.model();
                byKind.put(kind, fit.nullScores());
            } else {
                byKind.put(kind, batch.scores(kind));
            }
        }
        Calibration calibration =
                Calibration.of(
                        scored.model(),
                        scored.background(),
                        scored.orientation(),
                        // as given: an absolute path would tie a shipped bundle to this machine
                        data.path().normalize() + " (" + scored.images().description() + ")",
                        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                        compressor,
                        scored.images().size(),
                        byKind,
                        dose);
        if (byKind.containsKey(ScoreKind.BPD_IW)) {
            calibration = calibration.withIwSamples(scored.iwSamples());
        }
        requireNoStepDown(calibration, byKind.keySet());
        BundleWriter.addFiles(
                model.bundle(),
                Map.of(Calibration.FILE, calibration.toJson()),
                calibration.modelVersion());
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                "calibrated %s on %d images; written to %s%n",
                byKind.keySet().stream().map(ScoreKind::id).toList(),
                calibration.images(),
                model.bundle().resolve(Calibration.FILE));
        for (ScoreKind kind : byKind.keySet()) {
            out.printf(
                    "  %-16s %d null scores, alert threshold at alpha %s: %s%n",
                    kind.id(),
                    calibration.nullCount(kind),
                    alpha.alpha(),
                    threshold(calibration, kind));
        }
        if (dose != null && dose.usesShape()) {
            out.printf(
                    "  dose's shape part compares to %d reference images along %d principal axes%n",
                    dose.state().shape().count(), dose.state().shape().axes().outputs());
        }
        if (dose != null && dose.usesBlend()) {
            out.printf(
                    "  dose's blend part takes partners among %d prototypes of them%n",
                    dose.state().blend().count());
        }
        if (dose != null && dose.usesOutline()) {
            out.println("  dose's outline part judges how faint each image's outline is");
        }
        if (dose != null && dose.usesOrientation()) {
            out.printf(
                    "  dose's orientation part judges orientation network %s%n",
                    scored.orientation().version());
        }
        return 0;
    }

    /** The dose model on half of the images, and the other half's scores as its null. */
    private DoseFit fitDose(AnomalyScores.Batch batch, ModelScoring.Scored scored)
            throws IOException {
        List<String> statistics =
                DoseStatistics.names(
                        scored.scores().terms(), compressor, doseLayout, doseBackground);
        boolean orientation =
                doseOrientation != null ? doseOrientation : scored.orientation() != null;
        return DoseFit.of(
                statistics,
                batch.statistics(statistics),
                doseShape ? batch.shapes() : null,
                doseShape ? doseReferences.descriptors(scored.images()) : null,
                blendPrototypes(),
                doseOutline ? batch.outlines() : null,
                orientation ? scored.scores().orientation() : null);
    }

    /** The blend part's prototypes: none without the shape part, the default unless given. */
    private int blendPrototypes() {
        if (!doseShape) {
            return 0;
        }
        return dosePrototypes != null ? dosePrototypes : BlendedNormals.DEFAULT_PROTOTYPES;
    }

    private List<ScoreKind> allowedKinds(boolean hasBackground) {
        List<ScoreKind> all =
                new ArrayList<>(List.of(ScoreKind.BPD, ScoreKind.COMPLEXITY, ScoreKind.DOSE));
        if (scoring.iwSamples() > 0) {
            all.add(ScoreKind.BPD_IW);
        }
        if (hasBackground) {
            all.add(ScoreKind.LIKELIHOOD_RATIO);
        }
        return all;
    }

    /**
     * Refuses to replace a calibration on more images with one too small for any p-value below
     * {@code --alpha} (a mistaken {@code --limit}): the stream would then refuse to start at that
     * α, and the good calibration would be gone. A broken or missing one is simply replaced.
     */
    private void requireNoStepDown(Calibration calibration, Set<ScoreKind> kinds) {
        if (replaceLarger) {
            return;
        }
        Optional<Calibration> kept;
        try {
            kept = Calibration.find(model.bundle());
        } catch (BundleException broken) {
            return;
        }
        if (kept.isEmpty() || kept.get().images() <= calibration.images()) {
            return;
        }
        for (ScoreKind kind : kinds) {
            if (kept.get().has(kind)
                    && canAlert(kept.get(), kind)
                    && !canAlert(calibration, kind)) {
                throw new ParameterException(
                        spec.commandLine(),
                        String.format(
                                "the bundle's calibration of %s has %d null scores; this one, %d,"
                                        + " too few for any p-value below %s, so it is not"
                                        + " written (pass --replace-larger to write it anyway)",
                                kind.id(),
                                kept.get().nullCount(kind),
                                calibration.nullCount(kind),
                                alpha.alpha()));
            }
        }
    }

    private boolean canAlert(Calibration calibration, ScoreKind kind) {
        try {
            calibration.threshold(kind, alpha.alpha());
            return true;
        } catch (IllegalArgumentException tooFew) {
            return false;
        }
    }

    private String threshold(Calibration calibration, ScoreKind kind) {
        try {
            return String.format("%.4f", calibration.threshold(kind, alpha.alpha()));
        } catch (IllegalArgumentException tooFew) {
            return "none (" + tooFew.getMessage() + ")";
        }
    }
}
