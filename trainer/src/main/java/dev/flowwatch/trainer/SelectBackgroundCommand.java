package dev.flowwatch.trainer;

import ai.djl.ndarray.NDManager;

import com.google.gson.Gson;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.data.PixelMutation;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.DetectionMetrics;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.trainer.Arguments.Fraction;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code select-background}: picks, among background models, the one whose likelihood ratio best
 * tells held-out normal images from mutated copies of them, with no anomalous data.
 */
@Command(
        name = "select-background",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Scores held-out normal images and copies of them with a share --mutation-rate of"
                    + " their pixels replaced by uniform noise, with the model and each candidate"
                    + " background model (trained with 'train --background', e.g. at several"
                    + " mutation rates and --weight-decay values),",
            "and prints each candidate's likelihood-ratio AUROC of mutated against clean images:"
                    + " how Ren et al. (2019) tune a background model when no anomalous data is at"
                    + " hand. The highest AUROC wins; --attach puts it into the model's bundle.",
            "Use images that neither the models were trained on nor the calibration or any"
                    + " benchmark uses (--skip, --limit)."
        })
final class SelectBackgroundCommand implements Callable<Integer> {

    /** Fixed, so that every candidate is judged on the same mutated images. */
    static final long MUTATION_SEED = 11;

    private static final AnomalyScores RATIO = new AnomalyScores(AnomalyScores.DEFAULT_COMPRESSOR);

    @Spec private CommandSpec spec;

    @Mixin private ModelOption model;

    @Option(
            names = "--candidates",
            required = true,
            split = ",",
            paramLabel = "DIR",
            description = "Bundles of the candidate background models.")
    private List<Path> candidates;

    @Mixin private DataOption data;

    @Option(
            names = "--skip",
            defaultValue = "0",
            paramLabel = "N",
            converter = NonNegativeInt.class,
            description =
                    "Leave out the first N images of --data, e.g. those that calibrate the model"
                            + " (default: ${DEFAULT-VALUE}).")
    private int skip;

    @Option(
            names = "--mutation-rate",
            defaultValue = "0.02",
            paramLabel = "RATE",
            converter = Fraction.class,
            description =
                    "Share of the pixels of the mutated copies replaced by noise; small enough"
                            + " that the candidates differ (default: ${DEFAULT-VALUE}).")
    private double mutationRate;

    @Option(
            names = "--attach",
            description = "Attach the winner to the model's bundle (as 'attach-background' does).")
    private boolean attach;

    @Option(
            names = "--json",
            description =
                    "One JSON object per candidate, then one naming the selected candidate,"
                            + " instead of text lines.")
    private boolean json;

    @Mixin private ScoringOptions scoring;

    @Mixin private DeviceOption device;

    /** A candidate's result; {@code auroc} is of the likelihood ratio, mutated against clean. */
    record Result(Path candidate, BundleManifest manifest, double auroc, double bitsPerDimAuroc) {}

    @Override
    public Integer call() throws IOException {
        ImageSet all =
                ImageSets.load(
                        data.path(),
                        scoring.limit() == null
                                ? Integer.MAX_VALUE
                                : (int) Math.min(Integer.MAX_VALUE, (long) skip + scoring.limit()));
        if (skip >= all.size()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--skip " + skip + " leaves none of the " + all.size() + " images");
        }
        ImageSet clean = all.slice(skip, all.size());
        for (Path candidate : candidates) {
            BundleWriter.requireBackgroundFor(model.bundle(), candidate);
        }
        ImageSet mutated = PixelMutation.apply(clean, mutationRate, MUTATION_SEED);
        PrintWriter out = spec.commandLine().getOut();
        Result best = null;
        try (NDManager manager = device.newManager()) {
            ModelBundle bundle = ModelBundle.load(model.bundle(), manager);
            bundle.requireInputShape(clean.channels(), clean.height(), clean.width());
            ModelScoring scorer = new ModelScoring(scoring);
            // the model is scored once; each candidate alone, with the noise seed it has beside
            // the model in one scorer, so its bounds are those a pair scorer (and the stream) gives
            LikelihoodScorer alone =
                    new LikelihoodScorer(bundle.model(), manager, scoring.noiseSeed());
            LikelihoodScorer.Scores normal = scorer.score(alone, clean, "clean");
            LikelihoodScorer.Scores anomalous = scorer.score(alone, mutated, "mutated");
            for (Path candidate : candidates) {
                Result result =
                        judge(candidate, clean, mutated, normal, anomalous, scorer, manager);
                print(out, result);
                if (best == null || result.auroc() > best.auroc()) {
                    best = result;
                }
            }
        }
        if (attach) {
            BundleWriter.attachBackground(model.bundle(), best.candidate());
        }
        if (json) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("selected", best.candidate().toString());
            line.put("auroc_likelihood_ratio", best.auroc());
            line.put("images", clean.size());
            line.put("attached", attach);
            out.println(new Gson().toJson(line));
        } else {
            out.printf(
                    Locale.ROOT,
                    "%s %s (AUROC %.4f on %d images and their copies at mutation rate %s)%n",
                    attach ? "attached" : "best:",
                    best.candidate(),
                    best.auroc(),
                    clean.size(),
                    mutationRate);
        }
        return 0;
    }

    private Result judge(
            Path candidate,
            ImageSet clean,
            ImageSet mutated,
            LikelihoodScorer.Scores normal,
            LikelihoodScorer.Scores anomalous,
            ModelScoring modelScoring,
            NDManager manager) {
        try (NDManager own = manager.newSubManager()) {
            ModelBundle background = ModelBundle.load(candidate, own);
            LikelihoodScorer scorer =
                    new LikelihoodScorer(
                            background.model(),
                            own,
                            LikelihoodScorer.backgroundSeed(scoring.noiseSeed()));
            return new Result(
                    candidate,
                    background.manifest(),
                    DetectionMetrics.auroc(
                            ratio(normal, modelScoring.score(scorer, clean, "clean"), clean),
                            ratio(
                                    anomalous,
                                    modelScoring.score(scorer, mutated, "mutated"),
                                    mutated)),
                    DetectionMetrics.auroc(normal.elboBitsPerDim(), anomalous.elboBitsPerDim()));
        }
    }

    /** The likelihood ratio of the model's scores against the background's bounds. */
    private static double[] ratio(
            LikelihoodScorer.Scores model, LikelihoodScorer.Scores background, ImageSet images) {
        LikelihoodScorer.Scores pair =
                new LikelihoodScorer.Scores(
                        model.elboNats(),
                        model.elboBitsPerDim(),
                        model.iwNats(),
                        model.iwBitsPerDim(),
                        background.elboBitsPerDim(),
                        model.terms(),
                        model.orientation());
        return RATIO.scores(ScoreKind.LIKELIHOOD_RATIO, pair, images);
    }

    private void print(PrintWriter out, Result r) {
        Map<String, Object> metrics = r.manifest().metrics();
        Object mutation = metrics.get(BundleManifest.MUTATION_RATE);
        Object decay = metrics.getOrDefault(BundleManifest.WEIGHT_DECAY, 0.0);
        if (json) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("candidate", r.candidate().toString());
            line.put("model_version", r.manifest().modelVersion());
            line.put("training_mutation_rate", mutation);
            line.put("weight_decay", decay);
            line.put("steps", metrics.get("steps"));
            line.put("validation_bits_per_dim", metrics.get("validationBitsPerDim"));
            line.put("mutation_rate", mutationRate);
            line.put("auroc_likelihood_ratio", r.auroc());
            line.put("auroc_bpd", r.bitsPerDimAuroc());
            out.println(new Gson().toJson(line));
        } else {
            out.printf(
                    Locale.ROOT,
                    "%s: trained at mutation rate %s, weight decay %s; likelihood ratio AUROC %.4f"
                            + " (bpd alone %.4f)%n",
                    r.candidate(),
                    mutation,
                    decay,
                    r.auroc(),
                    r.bitsPerDimAuroc());
        }
    }
}
