package dev.flowwatch.trainer;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageCorruptions;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.DetectionMetrics;
import dev.flowwatch.flowpp.score.DoseFit;
import dev.flowwatch.flowpp.score.DoseStatistics;
import dev.flowwatch.flowpp.score.InputComplexity.Compressor;
import dev.flowwatch.flowpp.score.KernelDensity;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.flowpp.score.TypicalityTest;
import dev.flowwatch.trainer.Arguments.ExistingPath;
import dev.flowwatch.trainer.Arguments.Fraction;
import dev.flowwatch.trainer.Arguments.NonNegativeInt;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.DoubleUnaryOperator;

/**
 * {@code detection}: how well each score kind separates normal from anomalous images, and the
 * false-alarm rate that a calibration on one half of the normal images gives on the other half.
 */
@Command(
        name = "detection",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Scores normal and anomalous images with every score kind and prints AUROC, AUPRC and"
                    + " the FPR at 95%% TPR (anomalies positive),",
            "then calibrates on the first half of the normal images and prints the share of the"
                    + " other half, and of the anomalies, with p < alpha."
        })
final class DetectionCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Mixin private ModelOption model;

    @Option(
            names = "--normal",
            required = true,
            paramLabel = "PATH",
            converter = ExistingPath.class,
            description = "Images of the model's own kind, not used in training.")
    private Path normal;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Anomalies anomalies;

    /** Where the anomalous images come from: a file, or corruptions of the held-out normals. */
    static final class Anomalies {
        @Option(
                names = "--anomalous",
                paramLabel = "PATH",
                converter = ExistingPath.class,
                description = "Images of another kind.")
        private Path path;

        @Option(
                names = "--corrupt",
                paramLabel = "KIND",
                split = ",",
                description =
                        "Make the anomalies from the held-out half of the normal images instead:"
                                + " ${COMPLETION-CANDIDATES}; several, comma-separated, share"
                                + " one scoring of the normal images.")
        private List<ImageCorruptions.Kind> corruptions;
    }

    @Option(
            names = "--alpha",
            defaultValue = "0.01",
            paramLabel = "A",
            converter = Fraction.class,
            description =
                    "Target false-alarm rate of the calibrated test (default: ${DEFAULT-VALUE}).")
    private double alpha;

    @Option(
            names = "--typicality-window",
            defaultValue = "0",
            paramLabel = "M",
            converter = NonNegativeInt.class,
            description =
                    "Also measure the typicality test on windows of M images (streams of"
                            + " normal vs anomalous images); 0: skip (default: ${DEFAULT-VALUE}).")
    private int typicalityWindow;

    @Mixin private ScoringOptions scoringOptions;

    @Mixin private DeviceOption device;

    /** Windows drawn per set for the typicality rows. */
    private static final int WINDOWS = 2000;

    /**
     * A score kind measured with one compressor where it has one, and for dose with or without the
     * background's bits/dim among its statistics.
     */
    private record Variant(
            ScoreKind kind, Compressor compressor, boolean doseBackground, String name) {

        Variant(ScoreKind kind, Compressor compressor, String name) {
            this(kind, compressor, false, name);
        }
    }

    @Override
    public Integer call() throws IOException {
        ModelScoring scoring = new ModelScoring(scoringOptions);
        ImageSet normals = scoring.load(normal);
        int half = normals.size() / 2;
        List<ImageSet> anomalous = new ArrayList<>();
        if (anomalies.path != null) {
            anomalous.add(scoring.load(anomalies.path));
        } else {
            for (ImageCorruptions.Kind kind : anomalies.corruptions) {
                anomalous.add(
                        ImageCorruptions.apply(
                                kind,
                                normals.slice(half, normals.size()),
                                ModelScoring.CORRUPTION_SEED));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        try (NDManager manager = device.newManager()) {
            ModelBundle bundle = ModelBundle.load(model.bundle(), manager);
            bundle.requireInputShape(normals.channels(), normals.height(), normals.width());
            LikelihoodScorer scorer = bundle.scorer(manager, scoringOptions.noiseSeed());
            LikelihoodScorer.Scores normalScores = scoring.score(scorer, normals, "normal");
            out.printf(
                    "model %s (%s)%nnormal    %s: %d images (calibration %d, held out %d)%n"
                            + "alpha %s%n",
                    bundle.manifest().modelId(),
                    bundle.manifest().modelVersion(),
                    normals.description(),
                    normals.size(),
                    half,
                    normals.size() - half,
                    alpha);
            bundle.background()
                    .ifPresent(
                            b ->
                                    out.printf(
                                            "background %s (%s)%n",
                                            b.manifest().modelId(), b.manifest().modelVersion()));
            for (ImageSet set : anomalous) {
                bundle.requireInputShape(set.channels(), set.height(), set.width());
                LikelihoodScorer.Scores anomalyScores = scoring.score(scorer, set, "anomalous");
                out.printf("%nanomalous %s: %d images%n", set.description(), set.size());
                table(out, bundle, normals, normalScores, set, anomalyScores);
            }
        }
        return 0;
    }

    private void table(
            PrintWriter out,
            ModelBundle bundle,
            ImageSet normals,
            LikelihoodScorer.Scores normalScores,
            ImageSet anomalous,
            LikelihoodScorer.Scores anomalyScores) {
        int half = normals.size() / 2;
        out.printf(
                "%-20s %8s %8s %8s %8s %8s | %12s %12s%n",
                "score",
                "mean N",
                "mean A",
                "AUROC",
                "AUPRC",
                "FPR@95",
                "false alarms",
                "detected");
        ImageSet calibrationHalf = normals.slice(0, half);
        LikelihoodScorer.Scores calibrationScores = normalScores.slice(0, half);
        for (Variant v : variants(bundle)) {
            Map<ScoreKind, double[]> nulls = new EnumMap<>(ScoreKind.class);
            KernelDensity density = null;
            AnomalyScores kinds = new AnomalyScores(v.compressor());
            if (v.kind() == ScoreKind.DOSE) {
                List<String> statistics =
                        DoseStatistics.names(
                                normalScores.terms(), v.compressor(), v.doseBackground());
                DoseFit fit =
                        DoseFit.of(
                                statistics,
                                kinds.statistics(statistics, calibrationScores, calibrationHalf));
                density = fit.density();
                kinds = new AnomalyScores(v.compressor(), density);
                nulls.put(v.kind(), fit.nullScores());
            } else {
                nulls.put(v.kind(), kinds.scores(v.kind(), calibrationScores, calibrationHalf));
            }
            // the held-out half only: the dose density has seen half of the calibration images
            double[] heldOut =
                    kinds.scores(
                            v.kind(),
                            normalScores.slice(half, normals.size()),
                            normals.slice(half, normals.size()));
            double[] a = kinds.scores(v.kind(), anomalyScores, anomalous);
            Calibration calibration =
                    Calibration.of(
                            bundle.manifest(),
                            bundle.background().map(ModelBundle::manifest).orElse(null),
                            normals.description() + "[0:" + half + "]",
                            bundle.manifest().createdAt(),
                            v.compressor(),
                            half,
                            nulls,
                            density);
            row(
                    out,
                    v.name(),
                    heldOut,
                    a,
                    share(s -> calibration.pValue(v.kind(), s), heldOut),
                    share(s -> calibration.pValue(v.kind(), s), a));
        }
        if (typicalityWindow > 0) {
            double[] bpd = normalScores.elboBitsPerDim();
            TypicalityTest test =
                    new TypicalityTest(Arrays.copyOfRange(bpd, 0, half), typicalityWindow);
            double[] normalWindows =
                    test.sampleStatistics(Arrays.copyOfRange(bpd, half, bpd.length), WINDOWS, 1);
            double[] anomalousWindows =
                    test.sampleStatistics(anomalyScores.elboBitsPerDim(), WINDOWS, 2);
            row(
                    out,
                    "typicality (M=" + typicalityWindow + ")",
                    normalWindows,
                    anomalousWindows,
                    share(test::pValue, normalWindows),
                    share(test::pValue, anomalousWindows));
        }
    }

    private static void row(
            PrintWriter out,
            String name,
            double[] normal,
            double[] anomalous,
            String falseAlarms,
            String detected) {
        out.printf(
                "%-20s %8.3f %8.3f %8.3f %8.3f %8.3f | %12s %12s%n",
                name,
                mean(normal),
                mean(anomalous),
                DetectionMetrics.auroc(normal, anomalous),
                DetectionMetrics.auprc(normal, anomalous),
                DetectionMetrics.fprAtTpr(normal, anomalous, 0.95),
                falseAlarms,
                detected);
    }

    /**
     * Every kind the bundle and the options allow: bpd_iw with --iw-samples, the ratio with a
     * background.
     */
    private List<Variant> variants(ModelBundle bundle) {
        Compressor none = AnomalyScores.DEFAULT_COMPRESSOR;
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant(ScoreKind.BPD, none, "bpd"));
        if (scoringOptions.iwSamples() > 0) {
            variants.add(new Variant(ScoreKind.BPD_IW, none, "bpd_iw"));
        }
        variants.add(new Variant(ScoreKind.COMPLEXITY, Compressor.PNG, "complexity (png)"));
        variants.add(new Variant(ScoreKind.COMPLEXITY, Compressor.DEFLATE, "complexity (deflate)"));
        if (bundle.background().isPresent()) {
            variants.add(new Variant(ScoreKind.LIKELIHOOD_RATIO, none, "likelihood_ratio"));
        }
        variants.add(new Variant(ScoreKind.DOSE, Compressor.PNG, "dose"));
        if (bundle.background().isPresent()) {
            variants.add(new Variant(ScoreKind.DOSE, Compressor.PNG, true, "dose (+background)"));
        }
        return variants;
    }

    /** The share of {@code scores} whose p-value is below alpha. */
    private String share(DoubleUnaryOperator pValue, double[] scores) {
        long alerts = Arrays.stream(scores).filter(s -> pValue.applyAsDouble(s) < alpha).count();
        return String.format("%.4f", (double) alerts / scores.length);
    }

    private static double mean(double[] x) {
        return Arrays.stream(x).average().orElse(Double.NaN);
    }
}
