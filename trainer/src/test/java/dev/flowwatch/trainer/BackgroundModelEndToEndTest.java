package dev.flowwatch.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;

import com.google.gson.Gson;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.data.ImageSets;
import dev.flowwatch.flowpp.data.PixelMutation;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.DetectionMetrics;
import dev.flowwatch.flowpp.score.ScoreKind;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The likelihood-ratio workflow through the CLI: train a background, attach it, use it. */
class BackgroundModelEndToEndTest {

    @TempDir static Path shared;

    private static Path data;
    private static Path model;
    private static Path background;
    private static Path decayed;
    private static Cli attach;

    @TempDir Path dir;

    private static Cli train(Path out, String... extra) {
        return Cli.trainTiny(data, out, extra);
    }

    @BeforeAll
    static void trainModelAndBackground() throws IOException {
        data = TinyData.write(shared, "tiny", 40, 7);
        model = shared.resolve("model");
        background = shared.resolve("background");
        Cli fg = train(model);
        assertEquals(0, fg.exitCode(), fg.toString());
        Cli bg = train(background, "--background", "--mutation-rate", "0.3", "--seed", "2");
        assertEquals(0, bg.exitCode(), bg.toString());
        decayed = shared.resolve("decayed");
        Cli l2 =
                train(
                        decayed,
                        "--background",
                        "--mutation-rate",
                        "0.1",
                        "--weight-decay",
                        "0.5",
                        "--seed",
                        "3");
        assertEquals(0, l2.exitCode(), l2.toString());
        attach =
                Cli.run(
                        "attach-background",
                        "--model",
                        model.toString(),
                        "--background",
                        background.toString());
    }

    @Test
    void backgroundTrainingRecordsItsMutationRateAndAttachingKeepsTheModelsIdentity() {
        BundleManifest bg = ModelBundle.readManifest(background);
        assertEquals(0.3, bg.metrics().get(BundleManifest.MUTATION_RATE));
        assertTrue(bg.modelId().endsWith("-background"), bg.modelId());

        assertEquals(0, attach.exitCode(), attach.toString());
        assertTrue(attach.out().contains("mutation rate 0.3"), attach.out());
        assertEquals(
                bg.modelVersion(),
                ModelBundle.readBackgroundManifest(model).orElseThrow().modelVersion());
        assertTrue(
                Files.isRegularFile(model.resolve("training/state.json")),
                "the model's own files stay");
        assertTrue(
                Files.notExists(model.resolve(ModelBundle.BACKGROUND).resolve("training")),
                "the background's training state is not copied");
    }

    /**
     * Calibrate covers every kind the bundle allows, dose with the background's bits/dim among its
     * statistics and its shape part; score then writes every statistic (the shape distance too),
     * every score and its p-value, and each equals what the library computes for the image scored
     * alone with the streaming app's noise seed.
     */
    @Test
    void calibrateCoversEveryKindAndScoreColumnsMatchTheLibrary() throws IOException {
        Cli calibrate =
                Cli.run(
                        "calibrate",
                        "--model",
                        model.toString(),
                        "--data",
                        data.toString(),
                        "--dose-background");
        assertEquals(0, calibrate.exitCode(), calibrate.toString());
        Calibration calibration = Calibration.read(model);
        List<ScoreKind> kinds =
                List.of(
                        ScoreKind.BPD,
                        ScoreKind.COMPLEXITY,
                        ScoreKind.LIKELIHOOD_RATIO,
                        ScoreKind.DOSE);
        for (ScoreKind kind : kinds) {
            assertTrue(calibration.has(kind), kind.id());
        }
        assertEquals(20, calibration.nullCount(ScoreKind.DOSE));
        assertTrue(calibration.dose().orElseThrow().statistics().contains("background_bpd"));
        assertTrue(calibration.dose().orElseThrow().usesShape());
        assertTrue(calibration.dose().orElseThrow().usesBlend());
        assertTrue(calibration.dose().orElseThrow().usesOutline());

        AnomalyScores library = AnomalyScores.of(calibration);
        ScoredAsStreamed.compare(
                model,
                data,
                dir.resolve("scores.csv"),
                new int[] {0, 17, 39},
                (one, expected, cell) -> {
                    assertEquals(
                            expected.backgroundBitsPerDim()[0], cell.number("background_bpd"), 0.0);
                    AnomalyScores.Batch batch = library.batch(expected, one);
                    assertEquals(batch.shapeDistances()[0], cell.number("shape_distance"), 0.0);
                    assertEquals(batch.blendGains()[0], cell.number("shape_blend_gain"), 0.0);
                    assertEquals(batch.outlines()[0], cell.number("outline"), 0.0);
                    assertEquals(batch.doseJudgements()[0].part().id(), cell.word("dose_part"));
                    for (ScoreKind kind : kinds) {
                        double value = library.scores(kind, expected, one)[0];
                        assertEquals(value, cell.number(kind.id()), 0.0, kind.id());
                        assertEquals(
                                calibration.pValue(kind, value),
                                cell.number(kind.id() + "_p_value"),
                                0.0,
                                kind.id());
                    }
                });
    }

    @Test
    void detectionMeasuresTheLikelihoodRatioAndTypicality() {
        Cli detection =
                Cli.run(
                        "detection",
                        "--model",
                        model.toString(),
                        "--normal",
                        data.toString(),
                        "--corrupt",
                        "noise",
                        "--alpha",
                        "0.1",
                        "--typicality-window",
                        "4");
        assertEquals(0, detection.exitCode(), detection.toString());
        assertTrue(detection.out().contains("likelihood_ratio"), detection.out());
        assertTrue(detection.out().contains("typicality (M=4)"), detection.out());
        assertTrue(detection.out().contains("dose (no shape)"), detection.out());
        assertTrue(detection.out().contains("dose (no blend)"), detection.out());
        assertTrue(detection.out().contains("dose (no outline)"), detection.out());
        assertTrue(detection.out().contains("background "), detection.out());
    }

    @Test
    void onlyABackgroundModelCanBeAttached() {
        Cli run =
                Cli.run(
                        "attach-background",
                        "--model",
                        model.toString(),
                        "--background",
                        model.toString());
        assertEquals(1, run.exitCode(), run.toString());
        assertTrue(run.err().contains("train --background"), run.err());
    }

    @Test
    void mutationRateNeedsBackgroundAndResumeKeepsTheCheckpointsKind() {
        Cli alone = train(dir.resolve("x"), "--mutation-rate", "0.2");
        assertEquals(2, alone.exitCode(), alone.toString());
        assertTrue(alone.err().contains("--background"), alone.err());

        Cli resume =
                Cli.run(
                        "train",
                        "--data",
                        data.toString(),
                        "--resume",
                        model.toString(),
                        "--background");
        assertEquals(2, resume.exitCode(), resume.toString());
        assertTrue(
                resume.err().contains("--background cannot be combined with --resume"),
                resume.err());

        Cli decay =
                Cli.run(
                        "train",
                        "--data",
                        data.toString(),
                        "--resume",
                        decayed.toString(),
                        "--weight-decay",
                        "0.1");
        assertEquals(2, decay.exitCode(), decay.toString());
        assertTrue(decay.err().contains("--weight-decay 0.1 cannot be combined"), decay.err());
        assertEquals(
                0.5, ModelBundle.readManifest(decayed).metrics().get(BundleManifest.WEIGHT_DECAY));
    }

    /**
     * Each candidate's AUROC is the likelihood ratio's on the clean images against their copies
     * mutated with the command's seed, as the library computes it; the best one is attached.
     */
    @Test
    void selectBackgroundJudgesCandidatesOnMutatedCopiesAndAttachesTheBest() throws IOException {
        Path copy = BundleCopies.weightsOnly(model, dir.resolve("model"));
        Cli select =
                Cli.run(
                        "select-background",
                        "--model",
                        copy.toString(),
                        "--candidates",
                        background + "," + decayed,
                        "--data",
                        data.toString(),
                        "--skip",
                        "8",
                        "--mutation-rate",
                        "0.3",
                        "--json",
                        "--attach");
        assertEquals(0, select.exitCode(), select.toString());
        List<String> lines = select.out().lines().toList();
        ImageSet clean = ImageSets.load(data).slice(8, 40);
        ImageSet mutated = PixelMutation.apply(clean, 0.3, SelectBackgroundCommand.MUTATION_SEED);
        double bestAuroc = -1;
        String bestVersion = null;
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelBundle main = ModelBundle.load(copy, manager);
            for (int i = 0; i < 2; i++) {
                Path candidate = i == 0 ? background : decayed;
                Map<?, ?> line = new Gson().fromJson(lines.get(i), Map.class);
                assertEquals(candidate.toString(), line.get("candidate"));
                ModelBundle bg = ModelBundle.load(candidate, manager);
                LikelihoodScorer scorer =
                        new LikelihoodScorer(
                                main.model(),
                                bg.model(),
                                manager,
                                LikelihoodScorer.DEFAULT_NOISE_SEED);
                AnomalyScores ratio = new AnomalyScores(AnomalyScores.DEFAULT_COMPRESSOR);
                double expected =
                        DetectionMetrics.auroc(
                                ratio.scores(
                                        ScoreKind.LIKELIHOOD_RATIO,
                                        scorer.scoreAll(clean, 64, 0, 1, n -> {}),
                                        clean),
                                ratio.scores(
                                        ScoreKind.LIKELIHOOD_RATIO,
                                        scorer.scoreAll(mutated, 64, 0, 1, n -> {}),
                                        mutated));
                assertEquals(expected, (Double) line.get("auroc_likelihood_ratio"), 1e-12);
                if (expected > bestAuroc) {
                    bestAuroc = expected;
                    bestVersion = bg.manifest().modelVersion();
                }
            }
        }
        assertEquals(0.5, new Gson().fromJson(lines.get(1), Map.class).get("weight_decay"));
        Map<?, ?> selected = new Gson().fromJson(lines.get(2), Map.class);
        assertEquals(bestAuroc, (Double) selected.get("auroc_likelihood_ratio"), 1e-12);
        assertEquals(true, selected.get("attached"));
        assertEquals(
                bestVersion, ModelBundle.readBackgroundManifest(copy).orElseThrow().modelVersion());
    }

    @Test
    void selectBackgroundRefusesACandidateThatIsNoBackgroundModel() {
        Cli select =
                Cli.run(
                        "select-background",
                        "--model",
                        model.toString(),
                        "--candidates",
                        model.toString(),
                        "--data",
                        data.toString());
        assertEquals(1, select.exitCode(), select.toString());
        assertTrue(select.err().contains("train --background"), select.err());
    }
}
