package dev.flowwatch.trainer;

import ai.djl.ndarray.NDManager;

import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageCorruptions;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.BlendedNormals;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.DetectionMetrics;
import dev.flowwatch.flowpp.score.DoseFit;
import dev.flowwatch.flowpp.score.DoseModel;
import dev.flowwatch.flowpp.score.DoseStatistics;
import dev.flowwatch.flowpp.score.ImageStatistics;
import dev.flowwatch.flowpp.score.InputComplexity.Compressor;
import dev.flowwatch.flowpp.score.NearestNormals;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.flowpp.score.TypicalityTest;
import dev.flowwatch.trainer.Arguments.ExistingPath;
import dev.flowwatch.trainer.Arguments.NonNegativeInt;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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

    @Option(
            names = "--anomalous",
            paramLabel = "PATH",
            converter = ExistingPath.class,
            description =
                    "Images of another kind; repeat for several sets. The set's name in the report"
                            + " is the file's (mnist for mnist-images-idx3-ubyte.gz).")
    private List<Path> anomalousPaths = new ArrayList<>();

    @Option(
            names = "--corrupt",
            paramLabel = "KIND",
            split = ",",
            description =
                    "Also make anomalies from the held-out half of the normal images:"
                            + " ${COMPLETION-CANDIDATES}; several, comma-separated.")
    private List<ImageCorruptions.Kind> corruptions = new ArrayList<>();

    @Option(names = "--corrupt-all", description = "Make anomalies of every kind --corrupt knows.")
    private boolean corruptAll;

    @Option(
            names = "--json",
            description =
                    "Print one JSON object per line instead of tables: one per anomaly set and"
                            + " score, then per score its worst kind (lowest AUROC).")
    private boolean json;

    @Mixin private AlphaOption alphaOption;

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

    @Mixin private DoseReferencesOption doseReferences;

    /** Windows drawn per set for the typicality rows. */
    private static final int WINDOWS = 2000;

    /** What a dose variant takes in: statistics of its density, and parts of its own. */
    private enum DoseOption {
        LAYOUT,
        BACKGROUND,
        SHAPE,
        BLEND,
        OUTLINE,
        ORIENTATION
    }

    /**
     * A score kind measured with one compressor where it has one, and for dose with some of its
     * {@link DoseOption}s.
     */
    private record Variant(
            ScoreKind kind, Compressor compressor, Set<DoseOption> dose, String name) {

        Variant(ScoreKind kind, Compressor compressor, String name) {
            this(kind, compressor, Set.of(), name);
        }

        /** A dose variant; the blend part only with the shape part. */
        static Variant dose(Set<DoseOption> options, String name) {
            EnumSet<DoseOption> o = EnumSet.noneOf(DoseOption.class);
            o.addAll(options);
            if (!o.contains(DoseOption.SHAPE)) {
                o.remove(DoseOption.BLEND);
            }
            return new Variant(ScoreKind.DOSE, Compressor.PNG, Set.copyOf(o), name);
        }

        boolean has(DoseOption option) {
            return dose.contains(option);
        }
    }

    /** Anomalous images and the short name they go by in the report. */
    private record AnomalySet(String name, ImageSet images) {}

    @Override
    public Integer call() throws IOException {
        if (anomalousPaths.isEmpty() && corruptions.isEmpty() && !corruptAll) {
            throw new ParameterException(
                    spec.commandLine(),
                    "No anomalies: give --anomalous PATH, --corrupt KIND or --corrupt-all");
        }
        ModelScoring scoring = new ModelScoring(scoringOptions);
        ImageSet normals = scoring.load(normal);
        int half = normals.size() / 2;
        double alpha = alphaOption.alpha();
        // dose's null is half of the calibration half; with k null scores the smallest p-value is
        // 1/(k+1), so none falls below α unless (k+1)·α > 1
        if ((half / 2 + 1) * alpha <= 1) {
            // the least k with (k+1)·α > 1 is ⌊1/α⌋, but for the rounding of 1/α
            int k = (int) Math.floor(1 / alpha);
            if ((k + 1) * alpha <= 1) {
                k++;
            } else if (k > 1 && k * alpha > 1) {
                k--;
            }
            throw new ParameterException(
                    spec.commandLine(),
                    String.format(
                            "--alpha %s: %d normal images are too few; half calibrate, half are"
                                    + " held out, and dose's null holds half of the calibration"
                                    + " half, in which no p-value falls below %s with fewer than"
                                    + " %d scores: give at least %d normal images, or a larger"
                                    + " --alpha",
                            alpha, normals.size(), alpha, k, 4 * k));
        }
        Set<ImageCorruptions.Kind> kinds =
                corruptAll
                        ? EnumSet.allOf(ImageCorruptions.Kind.class)
                        : new LinkedHashSet<>(corruptions);
        // every row of the report names one set: two files of one name (t10k of MNIST and of
        // Fashion-MNIST), or a file named as a corruption, are told apart by a number
        Set<String> names = new HashSet<>();
        kinds.forEach(kind -> names.add(kind.id()));
        List<AnomalySet> anomalous = new ArrayList<>();
        for (Path path : anomalousPaths) {
            String base = setName(path);
            String name = base;
            for (int n = 2; !names.add(name); n++) {
                name = base + "-" + n;
            }
            anomalous.add(new AnomalySet(name, scoring.load(path)));
        }
        for (ImageCorruptions.Kind kind : kinds) {
            anomalous.add(
                    new AnomalySet(
                            kind.id(),
                            ImageCorruptions.apply(
                                    kind,
                                    normals.slice(half, normals.size()),
                                    ModelScoring.CORRUPTION_SEED)));
        }
        PrintWriter out = spec.commandLine().getOut();
        DetectionReport report =
                json ? DetectionReport.json(out, alphaOption.alpha()) : DetectionReport.text(out);
        try (NDManager manager = device.newManager()) {
            ModelBundle bundle = ModelBundle.load(model.bundle(), manager);
            bundle.requireInputShape(normals.channels(), normals.height(), normals.width());
            LikelihoodScorer scorer = bundle.scorer(manager, scoringOptions.noiseSeed());
            LikelihoodScorer.Scores normalScores = scoring.score(scorer, normals, "normal");
            report.start(bundle, normals, half, alphaOption.alpha());
            List<Calibrated> calibrated =
                    calibrate(
                            bundle,
                            normals,
                            normalScores,
                            doseReferences.descriptors(normals.slice(0, normals.size() / 2)));
            for (AnomalySet set : anomalous) {
                ImageSet images = set.images();
                bundle.requireInputShape(images.channels(), images.height(), images.width());
                LikelihoodScorer.Scores anomalyScores = scoring.score(scorer, images, set.name());
                report.anomalies(set.name(), images);
                table(report, set.name(), calibrated, normalScores, images, anomalyScores);
            }
            report.finish();
        }
        return 0;
    }

    /**
     * A set's name from its path: the file or folder name less an IDX images suffix ({@code mnist}
     * for {@code mnist-images-idx3-ubyte.gz}).
     */
    static String setName(Path path) {
        String file = path.getFileName().toString();
        String name = file.replaceFirst("(-?images)?(-idx3-ubyte)?(\\.gz)?$", "");
        return name.isEmpty() ? file : name;
    }

    /**
     * A variant calibrated on the first half of the normal images, and its scores of the other
     * half.
     */
    private record Calibrated(
            Variant variant, AnomalyScores scores, Calibration calibration, double[] heldOut) {}

    /** Every variant calibrated once, for all anomaly sets. */
    private List<Calibrated> calibrate(
            ModelBundle bundle,
            ImageSet normals,
            LikelihoodScorer.Scores normalScores,
            float[][] shapeReferences) {
        int half = normals.size() / 2;
        ImageStatistics calibrationHalf = ImageStatistics.of(normals.slice(0, half));
        ImageStatistics heldOutHalf = ImageStatistics.of(normals.slice(half, normals.size()));
        LikelihoodScorer.Scores calibrationScores = normalScores.slice(0, half);
        List<Variant> variants = variants(bundle);
        // fitted once for every variant with a shape part: the references and the even half are
        // the same for all
        NearestNormals shapes =
                variants.stream().anyMatch(v -> v.has(DoseOption.SHAPE))
                        ? DoseFit.shapeReferences(calibrationHalf.shapes(), shapeReferences)
                        : null;
        BlendedNormals blend =
                variants.stream().anyMatch(v -> v.has(DoseOption.BLEND))
                        ? BlendedNormals.fit(shapes, BlendedNormals.DEFAULT_PROTOTYPES)
                        : null;
        List<Calibrated> calibrated = new ArrayList<>();
        for (Variant v : variants) {
            Map<ScoreKind, double[]> nulls = new EnumMap<>(ScoreKind.class);
            DoseModel dose = null;
            AnomalyScores kinds = new AnomalyScores(v.compressor());
            if (v.kind() == ScoreKind.DOSE) {
                List<String> statistics =
                        DoseStatistics.names(
                                normalScores.terms(),
                                v.compressor(),
                                v.has(DoseOption.LAYOUT),
                                v.has(DoseOption.BACKGROUND));
                AnomalyScores.Batch batch = kinds.batch(calibrationScores, calibrationHalf);
                DoseFit fit =
                        DoseFit.withReferences(
                                statistics,
                                batch.statistics(statistics),
                                v.has(DoseOption.SHAPE) ? batch.shapes() : null,
                                v.has(DoseOption.SHAPE) ? shapes : null,
                                v.has(DoseOption.BLEND) ? blend : null,
                                v.has(DoseOption.OUTLINE) ? batch.outlines() : null,
                                v.has(DoseOption.ORIENTATION)
                                        ? calibrationScores.orientation()
                                        : null);
                dose = fit.model();
                kinds = new AnomalyScores(v.compressor(), dose);
                nulls.put(v.kind(), fit.nullScores());
            } else {
                nulls.put(
                        v.kind(), kinds.batch(calibrationScores, calibrationHalf).scores(v.kind()));
            }
            // the held-out half only: the dose model has seen half of the calibration images
            double[] heldOut =
                    kinds.batch(normalScores.slice(half, normals.size()), heldOutHalf)
                            .scores(v.kind());
            Calibration calibration =
                    Calibration.of(
                            bundle.manifest(),
                            bundle.background().map(ModelBundle::manifest).orElse(null),
                            bundle.orientationManifest().orElse(null),
                            normals.description() + "[0:" + half + "]",
                            bundle.manifest().createdAt(),
                            v.compressor(),
                            half,
                            nulls,
                            dose);
            calibrated.add(new Calibrated(v, kinds, calibration, heldOut));
        }
        return calibrated;
    }

    private void table(
            DetectionReport report,
            String anomalies,
            List<Calibrated> calibrated,
            LikelihoodScorer.Scores normalScores,
            ImageSet anomalous,
            LikelihoodScorer.Scores anomalyScores) {
        int half = normalScores.elboBitsPerDim().length / 2;
        ImageStatistics images = ImageStatistics.of(anomalous);
        for (Calibrated c : calibrated) {
            ScoreKind kind = c.variant().kind();
            DoubleUnaryOperator pValue = s -> c.calibration().pValue(kind, s);
            AnomalyScores.Batch batch = c.scores().batch(anomalyScores, images);
            DoseModel.Judgement[] judgements =
                    kind == ScoreKind.DOSE ? batch.doseJudgements() : null;
            double[] a =
                    judgements == null
                            ? batch.scores(kind)
                            : DoseModel.Judgement.scores(judgements);
            row(
                    report,
                    anomalies,
                    c.variant().name(),
                    c.heldOut(),
                    a,
                    share(pValue, c.heldOut()),
                    share(pValue, a),
                    judgements == null
                            ? Map.of()
                            : flaggedByPart(
                                    c.calibration().dose().orElseThrow().parts(),
                                    judgements,
                                    pValue));
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
                    report,
                    anomalies,
                    "typicality (M=" + typicalityWindow + ")",
                    normalWindows,
                    anomalousWindows,
                    share(test::pValue, normalWindows),
                    share(test::pValue, anomalousWindows),
                    Map.of());
        }
    }

    /**
     * The share of the images whose p-value is below alpha and whose score came from each of the
     * dose model's {@code parts}, in their order.
     */
    private Map<String, Double> flaggedByPart(
            List<DoseModel.Part> parts,
            DoseModel.Judgement[] judgements,
            DoubleUnaryOperator pValue) {
        // one p-value per image, counted by the part its score came from
        long[] flagged = new long[DoseModel.Part.values().length];
        for (DoseModel.Judgement j : judgements) {
            if (pValue.applyAsDouble(j.score()) < alphaOption.alpha()) {
                flagged[j.part().ordinal()]++;
            }
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        for (DoseModel.Part part : parts) {
            shares.put(part.id(), (double) flagged[part.ordinal()] / judgements.length);
        }
        return shares;
    }

    private static void row(
            DetectionReport report,
            String anomalies,
            String score,
            double[] normal,
            double[] anomalous,
            double falseAlarms,
            double flagged,
            Map<String, Double> flaggedByPart) {
        report.row(
                new DetectionReport.Row(
                        anomalies,
                        score,
                        mean(normal),
                        mean(anomalous),
                        DetectionMetrics.auroc(normal, anomalous),
                        DetectionMetrics.auprc(normal, anomalous),
                        DetectionMetrics.fprAtTpr(normal, anomalous, 0.95),
                        falseAlarms,
                        flagged,
                        normal.length,
                        anomalous.length,
                        flaggedByPart));
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
        // each dose variant leaves one part of the default out, or adds the background's bits/dim
        EnumSet<DoseOption> full = EnumSet.complementOf(EnumSet.of(DoseOption.BACKGROUND));
        if (bundle.orientation().isEmpty()) {
            full.remove(DoseOption.ORIENTATION);
        }
        variants.add(Variant.dose(full, "dose"));
        for (DoseOption left : full) {
            EnumSet<DoseOption> without = EnumSet.copyOf(full);
            without.remove(left);
            variants.add(
                    Variant.dose(
                            without, "dose (no " + left.name().toLowerCase(Locale.ROOT) + ")"));
        }
        if (bundle.background().isPresent()) {
            EnumSet<DoseOption> with = EnumSet.copyOf(full);
            with.add(DoseOption.BACKGROUND);
            variants.add(Variant.dose(with, "dose (+background)"));
        }
        return variants;
    }

    /** The share of {@code scores} whose p-value is below alpha. */
    private double share(DoubleUnaryOperator pValue, double[] scores) {
        long alerts =
                Arrays.stream(scores)
                        .filter(s -> pValue.applyAsDouble(s) < alphaOption.alpha())
                        .count();
        return (double) alerts / scores.length;
    }

    private static double mean(double[] x) {
        return Arrays.stream(x).average().orElse(Double.NaN);
    }
}
