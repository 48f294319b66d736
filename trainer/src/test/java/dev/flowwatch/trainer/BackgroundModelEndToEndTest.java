package dev.flowwatch.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.ScoreKind;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The likelihood-ratio workflow through the CLI: train a background, attach it, use it. */
class BackgroundModelEndToEndTest {

    @TempDir static Path shared;

    private static Path data;
    private static Path model;
    private static Path background;
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

    @Test
    void calibrateCoversTheLikelihoodRatioAndScoreWritesIt() throws IOException {
        Cli calibrate =
                Cli.run("calibrate", "--model", model.toString(), "--data", data.toString());
        assertEquals(0, calibrate.exitCode(), calibrate.toString());
        Calibration calibration = Calibration.read(model);
        for (ScoreKind kind :
                List.of(ScoreKind.BPD, ScoreKind.COMPLEXITY, ScoreKind.LIKELIHOOD_RATIO)) {
            assertTrue(calibration.has(kind), kind.id());
        }

        Path csv = dir.resolve("scores.csv");
        Cli score =
                Cli.run(
                        "score",
                        "--model",
                        model.toString(),
                        "--data",
                        data.toString(),
                        "--out",
                        csv.toString());
        assertEquals(0, score.exitCode(), score.toString());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(
                "index,label,elbo_nats,elbo_bpd,background_bpd,likelihood_ratio", lines.get(0));
        String[] row = lines.get(1).split(",");
        assertEquals(
                Double.parseDouble(row[3]) - Double.parseDouble(row[4]),
                Double.parseDouble(row[5]),
                1e-12);
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
                        background.toString(),
                        "--background");
        assertEquals(2, resume.exitCode(), resume.toString());
        assertTrue(resume.err().contains("cannot be combined with --resume"), resume.err());
    }
}
