package dev.flowwatch.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.bundle.OrientationManifest;
import dev.flowwatch.flowpp.data.IdxFormat;
import dev.flowwatch.flowpp.data.ImageCorruptions;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.DoseModel;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.flowpp.train.TrainingProgress.CurvePoint;
import dev.flowwatch.trainer.report.CurveCsv;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

/** Every command run as a user would, on one tiny model trained once for the whole class. */
class CommandsEndToEndTest {

    private static final int IMAGES = 40;

    @TempDir static Path shared;

    private static Path data;
    private static Path bundle;
    private static Cli training;

    @TempDir Path dir;

    @BeforeAll
    static void trainATinyModel() throws IOException {
        data = TinyData.write(shared, "tiny", IMAGES, 7);
        bundle = shared.resolve("model");
        training = Cli.trainTiny(data, bundle);
    }

    @Test
    void trainWritesABundleWithReports() throws IOException {
        assertEquals(0, training.exitCode(), training.toString());
        for (String file :
                List.of(
                        "bundle.json",
                        "parameters.bin",
                        "metrics.csv",
                        "curve.png",
                        "samples.png")) {
            assertTrue(Files.isRegularFile(bundle.resolve(file)), file + " missing");
        }
        assertTrue(
                training.out().contains("model bundle: " + bundle.toAbsolutePath()),
                training.out());
        List<CurvePoint> curve = CurveCsv.read(bundle.resolve("metrics.csv"));
        assertEquals(
                new CurvePoint(2, "validation", curve.get(curve.size() - 1).bitsPerDim()),
                curve.get(curve.size() - 1));
        // 64 tiles of 8×8 pixels in an 8×8 grid with 1-pixel separators
        BufferedImage samples = ImageIO.read(bundle.resolve("samples.png").toFile());
        assertEquals(8 * 9 + 1, samples.getWidth());
        assertEquals(8 * 9 + 1, samples.getHeight());
    }

    @Test
    void evaluateJsonPrintsOneObjectWithPlausibleBitsPerDim() {
        Cli run = evaluateJson("--iw-samples", "2", "--limit", "10");
        assertEquals(0, run.exitCode(), run.toString());
        JsonObject result = JsonParser.parseString(run.out()).getAsJsonObject();
        assertEquals(10, result.get("images").getAsInt());
        assertEquals(2, result.get("iw_samples").getAsInt());
        double elbo = result.get("bpd_elbo").getAsDouble();
        double iw = result.get("bpd_iw").getAsDouble();
        assertTrue(elbo > 0 && elbo < 16, "bpd_elbo " + elbo);
        assertTrue(iw > 0 && iw < 16, "bpd_iw " + iw);
        assertTrue(result.get("images_per_second").getAsDouble() > 0);
        assertEquals(1, run.out().strip().lines().count(), "stdout must hold only the JSON object");
    }

    @Test
    void evaluateInSeveralPassesAtOnceGivesTheBoundsOfOne() {
        List<JsonObject> results = new ArrayList<>();
        for (String passes : List.of("1", "3")) {
            Cli run =
                    evaluateJson(
                            "--iw-samples",
                            "2",
                            "--limit",
                            "10",
                            "--batch-size",
                            "3",
                            "--passes",
                            passes);
            assertEquals(0, run.exitCode(), run.toString());
            results.add(JsonParser.parseString(run.out()).getAsJsonObject());
        }
        assertEquals(results.get(0).get("bpd_elbo"), results.get(1).get("bpd_elbo"));
        assertEquals(results.get(0).get("bpd_iw"), results.get(1).get("bpd_iw"));
    }

    @Test
    void evaluateWithoutImportanceSamplesReportsNullIwBound() {
        Cli run = evaluateJson("--limit", "8");
        assertEquals(0, run.exitCode(), run.toString());
        JsonObject result = JsonParser.parseString(run.out()).getAsJsonObject();
        assertTrue(result.has("bpd_iw") && result.get("bpd_iw").isJsonNull(), run.out());
        assertEquals(0, result.get("iw_samples").getAsInt());
    }

    @Test
    void scoreWritesOneRowPerImageWithLabels() throws IOException {
        Path csv = dir.resolve("scores.csv");
        Cli run = score(bundle, csv, "--iw-samples", "2");
        assertEquals(0, run.exitCode(), run.toString());
        List<String> lines = Files.readAllLines(csv);
        List<String> header = List.of(lines.get(0).split(","));
        assertEquals(
                List.of("index", "label", "elbo_nats", "elbo_bpd", "iw_nats", "iw_bpd"),
                header.subList(0, 6));
        assertTrue(header.containsAll(List.of("bpd", "bpd_iw", "complexity")), header.toString());
        assertEquals(IMAGES + 1, lines.size());
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            assertEquals(header.size(), cells.length);
            double elboBpd = Double.parseDouble(cells[header.indexOf("elbo_bpd")]);
            // the ELBO's terms, each its share of the bits/dim, sum to it less the bins' 8 bits
            double terms = 0;
            for (int c = 0; c < header.size(); c++) {
                String name = header.get(c);
                if (name.equals("dequantization")
                        || name.equals("logit")
                        || name.matches("level\\d+_(prior|logdet)")) {
                    terms += Double.parseDouble(cells[c]);
                }
            }
            assertEquals(elboBpd - 8, terms, 1e-4);
            assertEquals(
                    elboBpd - Double.parseDouble(cells[header.indexOf("complexity_png")]),
                    Double.parseDouble(cells[header.indexOf("complexity")]),
                    1e-12);
        }
        String[] third = lines.get(3).split(",");
        assertEquals("2", third[0]);
        assertEquals("2", third[1]);
    }

    @Test
    void sampleWritesAGridOfTheRequestedCount() throws IOException {
        Path png = dir.resolve("grid.png");
        Cli run =
                Cli.run(
                        "sample",
                        "--model",
                        bundle.toString(),
                        "--n",
                        "6",
                        "--out",
                        png.toString(),
                        "--temperature",
                        "0.8");
        assertEquals(0, run.exitCode(), run.toString());
        // 6 samples: 3 columns, 2 rows of 8×8 tiles with 1-pixel separators
        BufferedImage grid = ImageIO.read(png.toFile());
        assertEquals(3 * 9 + 1, grid.getWidth());
        assertEquals(2 * 9 + 1, grid.getHeight());
    }

    @Test
    void resumeContinuesFromTheSavedStep() throws IOException {
        Path resumed = dir.resolve("resumed");
        Cli run = Cli.train(data, resumed, "--max-steps", "3", "--resume", bundle.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("trained steps 2 to 3"), run.out());
        List<CurvePoint> curve = CurveCsv.read(resumed.resolve("metrics.csv"));
        assertEquals(
                List.of(1L, 1L, 2L, 2L, 3L, 3L), curve.stream().map(CurvePoint::step).toList());
        assertEquals(
                ModelBundle.readManifest(bundle).modelId(),
                ModelBundle.readManifest(resumed).modelId());
    }

    @Test
    void resumeWithoutTheRunsOptionsTakesExactlyTheStepsOfAnUninterruptedRun() throws IOException {
        // every setting away from its default, and none of them given again on resume
        String[] run = {
            "--preset",
            "tiny",
            "--seed",
            "5",
            "--val-split",
            "0.2",
            "--lr",
            "0.002",
            "--ema-decay",
            "0.9",
            "--max-grad-norm",
            "10"
        };
        Path straight = dir.resolve("straight");
        Path split = dir.resolve("split");
        assertEquals(0, Cli.train(data, straight, concat(run, "--max-steps", "3")).exitCode());
        assertEquals(0, Cli.train(data, split, concat(run, "--max-steps", "2")).exitCode());

        Cli resumed = resume(split, "--max-steps", "3");

        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertArrayEquals(
                Files.readAllBytes(straight.resolve(ModelBundle.PARAMETERS)),
                Files.readAllBytes(split.resolve(ModelBundle.PARAMETERS)));
        assertEquals(
                CurveCsv.read(straight.resolve("metrics.csv")),
                CurveCsv.read(split.resolve("metrics.csv")));
    }

    @Test
    void noRunReplacesTheCheckpointOfAnotherRun() throws IOException {
        Path saved = dir.resolve("saved");
        copyTree(bundle, saved);
        byte[] weights = Files.readAllBytes(saved.resolve(ModelBundle.PARAMETERS));

        Cli fresh = Cli.trainTiny(data, saved);
        Cli resumedInto = resume(bundle, "--out", saved.toString(), "--max-steps", "3");

        for (Cli refused : List.of(fresh, resumedInto)) {
            assertEquals(2, refused.exitCode(), refused.toString());
            assertTrue(refused.err().contains("--resume " + saved), refused.err());
        }
        assertArrayEquals(weights, Files.readAllBytes(saved.resolve(ModelBundle.PARAMETERS)));
    }

    /** A retried job repeats its command: the first try starts the run, the next continue it. */
    @Test
    void resumeIfPresentStartsTheRunThenContinuesIt() {
        Path out = dir.resolve("retried");
        String[] command = {"--preset", "tiny", "--resume-if-present"};

        Cli first = Cli.train(data, out, concat(command, "--max-steps", "2"));
        Cli second = Cli.train(data, out, concat(command, "--max-steps", "3"));
        Cli otherPreset =
                Cli.train(
                        data, out, "--preset", "small", "--resume-if-present", "--max-steps", "4");

        assertEquals(0, first.exitCode(), first.toString());
        assertTrue(first.out().contains("trained steps 0 to 2"), first.out());
        assertEquals(0, second.exitCode(), second.toString());
        assertTrue(second.out().contains("trained steps 2 to 3"), second.out());
        assertEquals(2, otherPreset.exitCode(), otherPreset.toString());
        assertTrue(
                otherPreset.err().contains("--preset small cannot be combined with --resume"),
                otherPreset.err());
    }

    /** A retried continuation of a run into a folder of its own goes on from that folder. */
    @Test
    void resumeIfPresentPrefersTheCheckpointInOutToTheOneItContinued() {
        Path out = dir.resolve("continued");
        String[] command = {"--resume", bundle.toString(), "--resume-if-present"};

        Cli first = Cli.train(data, out, concat(command, "--max-steps", "3"));
        Cli retried = Cli.train(data, out, concat(command, "--max-steps", "4"));

        assertEquals(0, first.exitCode(), first.toString());
        assertTrue(first.out().contains("trained steps 2 to 3"), first.out());
        assertEquals(0, retried.exitCode(), retried.toString());
        assertTrue(retried.out().contains("trained steps 3 to 4"), retried.out());
    }

    @Test
    void aRunDoesNotStartAfreshOverACheckpointWhoseWriteWasInterrupted() throws IOException {
        Path out = dir.resolve("interrupted");
        Path previous = dir.resolve(".interrupted.previous");
        copyTree(bundle, previous);

        Cli retried = Cli.trainTiny(data, out, "--resume-if-present");

        assertEquals(2, retried.exitCode(), retried.toString());
        assertTrue(retried.err().contains("intact at " + previous), retried.err());
        assertTrue(Files.isRegularFile(previous.resolve("training/state.json")));
    }

    /** Failed before: an omitted limit fell back to its default (10 epochs) on resume. */
    @Test
    void resumeKeepsTheRunsLimitsUnlessGivenAgain() throws IOException {
        Path saved = dir.resolve("saved");
        copyTree(bundle, saved);

        Cli resumed = resume(saved);

        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertTrue(resumed.out().contains("nothing to do"), resumed.out());
    }

    @ParameterizedTest
    @CsvSource({"--seed, 9", "--batch-size, 4", "--val-split, 0.3"})
    void resumeRefusesAnotherDataOrderThanTheCheckpoints(String option, String value) {
        Cli resumed =
                resume(
                        bundle,
                        "--out",
                        dir.resolve("resumed").toString(),
                        "--max-steps",
                        "3",
                        option,
                        value);
        assertEquals(2, resumed.exitCode(), resumed.toString());
        assertTrue(resumed.err().contains(option), resumed.err());
        assertTrue(resumed.err().contains("--resume"), resumed.err());
    }

    @Test
    void resumeRefusesOtherImagesOfTheSameNumber() throws IOException {
        Path other = TinyData.write(dir, "other", IMAGES, 8);
        Cli resumed =
                Cli.run(
                        "train",
                        "--data",
                        other.toString(),
                        "--resume",
                        bundle.toString(),
                        "--out",
                        dir.resolve("resumed").toString(),
                        "--max-steps",
                        "3");
        assertEquals(2, resumed.exitCode(), resumed.toString());
        assertTrue(resumed.err().contains("other images of the same number"), resumed.err());
    }

    /** Train, attach an orientation network, resume: the network must survive the checkpoints. */
    @Test
    void resumingInItsOwnFolderKeepsWhatWasAttachedAndANewRunOverAFinalModelDoesNot()
            throws IOException {
        Path run = dir.resolve("attached");
        copyTree(bundle, run);
        byte[] network = {42};
        Path attached = run.resolve(ModelBundle.ORIENTATION).resolve("weights.bin");
        BundleWriter.addFiles(run, Map.of(ModelBundle.ORIENTATION + "/weights.bin", network));

        Cli resumed = resume(run, "--max-steps", "4");
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertEquals(
                4,
                ((Number) ModelBundle.readManifest(run).metrics().get("steps")).intValue(),
                "checkpoints were written over it");
        assertArrayEquals(network, Files.readAllBytes(attached));

        assertEquals(2, Cli.trainTiny(data, run).exitCode(), "the run's checkpoint is kept");
        try (Stream<Path> training = Files.walk(run.resolve("training"))) {
            for (Path p : training.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        Cli fresh = Cli.trainTiny(data, run);
        assertEquals(0, fresh.exitCode(), fresh.toString());
        assertFalse(Files.exists(attached), "a new run's weights do not inherit it");
    }

    @Test
    void resumeFromADamagedTrainingStateNamesTheFileInOneLine() throws IOException {
        for (String damaged : List.of("training/weights.bin", "training/state.json")) {
            Path copy = dir.resolve("damaged-" + damaged.replace('/', '-'));
            copyTree(bundle, copy);
            Path file = copy.resolve(damaged);
            byte[] whole = Files.readAllBytes(file);
            Files.write(file, Arrays.copyOf(whole, whole.length / 2));
            Cli resumed =
                    resume(
                            copy,
                            "--out",
                            dir.resolve("from-" + damaged).toString(),
                            "--max-steps",
                            "3");
            assertEquals(1, resumed.exitCode(), resumed.toString());
            assertTrue(resumed.err().contains(file.toString()), resumed.err());
            assertTrue(resumed.err().contains("does not match the SHA-256"), resumed.err());
            assertEquals(1, resumed.err().strip().lines().count(), resumed.err());
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** {@code train --resume} of {@code checkpoint} on the tiny data, with only these options. */
    private static Cli resume(Path checkpoint, String... options) {
        return Cli.run(
                List.of("train", "--data", data.toString(), "--resume", checkpoint.toString()),
                options);
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    @Test
    void scoringAFileWithoutImagesExitsWithOneLineSayingSo() throws IOException {
        Path empty = TinyData.write(dir, "empty", 0, 1);
        Cli run = Cli.run("evaluate", "--model", bundle.toString(), "--data", empty.toString());
        assertEquals(1, run.exitCode(), run.toString());
        assertEquals(empty + ": no images to score", run.err().strip().replace("evaluate: ", ""));
    }

    @Test
    void missingModelExitsWithOneLineNamingThePath() {
        Path missing = dir.resolve("no-such-model");
        Cli run = Cli.run("evaluate", "--model", missing.toString(), "--data", data.toString());
        assertEquals(1, run.exitCode(), run.toString());
        assertTrue(run.err().contains(missing.toString()), run.err());
        assertEquals(
                1, run.err().strip().lines().count(), "one line, no stack trace: " + run.err());
    }

    @Test
    void calibrateStoresNullScoresKeepingTheModelsIdentity() throws IOException {
        String versionBefore = ModelBundle.readManifest(bundle).modelVersion();
        Cli calibrate =
                Cli.run(
                        "calibrate",
                        "--model",
                        bundle.toString(),
                        "--data",
                        data.toString(),
                        "--score-kinds",
                        "bpd,complexity",
                        "--limit",
                        "30");
        assertEquals(0, calibrate.exitCode(), calibrate.toString());
        Calibration calibration = Calibration.read(bundle);
        assertEquals(30, calibration.images());
        assertEquals(versionBefore, calibration.modelVersion());
        assertEquals(versionBefore, ModelBundle.readManifest(bundle).modelVersion());
        assertTrue(calibration.has(ScoreKind.COMPLEXITY) && !calibration.has(ScoreKind.BPD_IW));
        assertTrue(calibration.data().contains(data.toAbsolutePath().toString()));
        assertTrue(Files.isRegularFile(bundle.resolve("metrics.csv")), "other files kept");
        assertTrue(calibrate.out().contains("none (a calibration of 30 images"), calibrate.out());
    }

    @Test
    void calibrateRecordsTheImportanceSamplesOfItsBpdIwNullAndScoreRefusesAnotherK()
            throws IOException {
        Path copy = BundleCopies.weightsOnly(bundle, dir.resolve("iw"));
        Cli calibrate =
                calibrate(copy, "--score-kinds", "bpd_iw", "--iw-samples", "2", "--limit", "10");
        assertEquals(0, calibrate.exitCode(), calibrate.toString());
        assertEquals(OptionalInt.of(2), Calibration.read(copy).iwSamples());

        Path csv = dir.resolve("iw.csv");
        Cli otherK = score(copy, csv, "--iw-samples", "1", "--limit", "4");
        assertEquals(2, otherK.exitCode(), otherK.toString());
        assertTrue(otherK.err().contains("K=2"), otherK.err());
        Cli sameK = score(copy, csv, "--iw-samples", "2", "--limit", "4");
        assertEquals(0, sameK.exitCode(), sameK.toString());
    }

    /**
     * By default dose has its shape, blend and outline parts and score writes the shape distance
     * and the blend gain; {@code --dose-prototypes 0} leaves the blend part out, {@code
     * --no-dose-shape} both shape parts, {@code --no-dose-outline} the outline part. Score writes
     * every image's outline whatever the parts, as it does every other statistic of the image.
     */
    @ParameterizedTest
    @CsvSource({
        "--dose-shape, true, true, true",
        "--dose-prototypes=0, true, false, true",
        "--no-dose-shape, false, false, true",
        "--no-dose-outline, true, true, false"
    })
    void doseHasItsShapeBlendAndOutlinePartsUnlessCalibratedWithout(
            String option, boolean shape, boolean blend, boolean outline) throws IOException {
        Path copy = BundleCopies.weightsOnly(bundle, dir.resolve("model"));
        Cli calibrate = calibrateDose(copy, option);
        assertEquals(0, calibrate.exitCode(), calibrate.toString());
        DoseModel dose = Calibration.read(copy).dose().orElseThrow();
        assertEquals(shape, dose.usesShape());
        assertEquals(blend, dose.usesBlend());
        assertEquals(outline, dose.usesOutline());
        assertEquals(blend, calibrate.out().contains("blend part"), calibrate.out());
        assertEquals(outline, calibrate.out().contains("outline part"), calibrate.out());
        Path csv = dir.resolve("scores.csv");
        Cli score = score(copy, csv);
        assertEquals(0, score.exitCode(), score.toString());
        List<String> header = List.of(Files.readAllLines(csv).get(0).split(","));
        assertTrue(header.contains("dose_p_value"), header.toString());
        assertEquals(shape, header.contains("shape_distance"), header.toString());
        assertEquals(blend, header.contains("shape_blend_gain"), header.toString());
        assertTrue(header.contains("outline"), header.toString());
        // the part that made each dose score, a word, comes last
        assertEquals("dose_part", header.get(header.size() - 1), header.toString());
    }

    /**
     * train-orientation puts a network into the bundle; calibrate then gives dose its orientation
     * part by default, score writes each image's orientation surprise as the library computes it,
     * and --no-dose-orientation leaves the part out. A network attached after the calibration makes
     * the dose calibration stale.
     */
    @Test
    void trainOrientationGivesDoseItsOrientationPartAndScoreItsColumn() throws IOException {
        Path copy = BundleCopies.weightsOnly(bundle, dir.resolve("model"));
        String versionBefore = ModelBundle.readManifest(copy).modelVersion();
        Cli train = trainOrientation(copy, "3");
        assertEquals(0, train.exitCode(), train.toString());
        assertTrue(train.out().contains("validation accuracy"), train.out());
        OrientationManifest network = ModelBundle.readOrientationManifest(copy).orElseThrow();
        assertEquals(30, ((Number) network.metrics().get("images")).intValue());
        assertEquals(versionBefore, ModelBundle.readManifest(copy).modelVersion());

        Cli calibrate = calibrateDose(copy);
        assertEquals(0, calibrate.exitCode(), calibrate.toString());
        assertTrue(Calibration.read(copy).dose().orElseThrow().usesOrientation());
        assertTrue(calibrate.out().contains(network.version()), calibrate.out());

        Calibration calibration = Calibration.read(copy);
        ScoredAsStreamed.compare(
                copy,
                data,
                dir.resolve("scores.csv"),
                new int[] {0, 21},
                (one, expected, cell) -> {
                    assertEquals(expected.orientation()[0], cell.number("orientation"), 0.0);
                    assertEquals(
                            AnomalyScores.of(calibration).scores(ScoreKind.DOSE, expected, one)[0],
                            cell.number("dose"),
                            0.0);
                });

        Cli without = calibrateDose(copy, "--no-dose-orientation");
        assertEquals(0, without.exitCode(), without.toString());
        assertFalse(Calibration.read(copy).dose().orElseThrow().usesOrientation());

        assertEquals(0, calibrateDose(copy).exitCode());
        assertEquals(0, trainOrientation(copy, "4").exitCode());
        Calibration stale = Calibration.read(copy);
        assertFalse(stale.has(ScoreKind.DOSE));
        assertTrue(
                stale.whyMissing(ScoreKind.DOSE).contains(network.version()),
                stale.whyMissing(ScoreKind.DOSE));
    }

    @Test
    void doseOrientationWithoutANetworkIsAUsageErrorNamingTheFix() throws IOException {
        Path copy = BundleCopies.weightsOnly(bundle, dir.resolve("model"));
        Cli refused = calibrateDose(copy, "--dose-orientation");
        assertEquals(2, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("train-orientation"), refused.err());
    }

    /** {@code train-orientation} of a tiny network on the tiny data, 30 images to train. */
    private static Cli trainOrientation(Path model, String seed) {
        return Cli.run(
                "train-orientation",
                "--model",
                model.toString(),
                "--data",
                data.toString(),
                "--steps",
                "10",
                "--batch-size",
                "8",
                "--hidden",
                "2",
                "--validation-images",
                "10",
                "--seed",
                seed);
    }

    /**
     * The shape part compares to the --dose-references images, which must be of the data's size and
     * not the calibration images themselves.
     */
    @Test
    void doseComparesShapesToTheReferencesGiven() throws IOException {
        Path copy = BundleCopies.weightsOnly(bundle, dir.resolve("model"));
        Path references = TinyData.write(dir, "references", 90, 11);
        Cli calibrate = calibrateDose(copy, "--dose-references", references.toString());
        assertEquals(0, calibrate.exitCode(), calibrate.toString());
        assertEquals(90, Calibration.read(copy).dose().orElseThrow().state().shape().count());
        assertTrue(calibrate.out().contains("compares to 90 reference images"), calibrate.out());

        Path wide = dir.resolve("wide-images-idx3-ubyte.gz");
        IdxFormat.write(wide, ImageSet.of(new byte[3 * 8 * 9], 1, 8, 9, null, "wide"));
        Cli refused = calibrateDose(copy, "--dose-references", wide.toString());
        assertEquals(1, refused.exitCode(), refused.toString());
        assertTrue(
                refused.err().contains("are 1x8x9 images, the calibration's 1x8x8"), refused.err());

        Cli leaking = calibrateDose(copy, "--dose-references", data.toString());
        assertEquals(1, leaking.exitCode(), leaking.toString());
        assertTrue(leaking.err().contains("never the calibration images"), leaking.err());

        Cli pointless =
                calibrateDose(copy, "--no-dose-shape", "--dose-references", references.toString());
        assertEquals(2, pointless.exitCode(), pointless.toString());
        assertTrue(pointless.err().contains("is for the shape part"), pointless.err());
        Cli blendless = calibrateDose(copy, "--no-dose-shape", "--dose-prototypes", "8");
        assertEquals(2, blendless.exitCode(), blendless.toString());
        assertTrue(blendless.err().contains("only with the shape part"), blendless.err());
    }

    /** {@code score} of the tiny data by {@code model} into {@code csv}, with more options. */
    private static Cli score(Path model, Path csv, String... options) {
        return Cli.score(model, data, csv, options);
    }

    /** {@code evaluate --json} of the tiny model on the tiny data, with more options. */
    private static Cli evaluateJson(String... options) {
        return Cli.run(
                List.of(
                        "evaluate",
                        "--model",
                        bundle.toString(),
                        "--data",
                        data.toString(),
                        "--json"),
                options);
    }

    /** {@code calibrate} of the tiny data, with these options. */
    private static Cli calibrate(Path model, String... options) {
        return Cli.run(
                List.of("calibrate", "--model", model.toString(), "--data", data.toString()),
                options);
    }

    /** {@code calibrate --score-kinds dose} of the tiny data, with more options. */
    private static Cli calibrateDose(Path model, String... options) {
        return calibrate(model, concat(new String[] {"--score-kinds", "dose"}, options));
    }

    /**
     * A mistaken {@code --limit} does not replace a calibration that can alert at 0.01 with one too
     * small to, unless asked to.
     */
    @Test
    void aCalibrationTooSmallToAlertDoesNotReplaceALargerOneUnlessAsked() throws IOException {
        Path copy = BundleCopies.weightsOnly(bundle, dir.resolve("step-down"));
        Path larger = TinyData.write(dir, "larger", 120, 11);
        List<String> onLarger =
                List.of("calibrate", "--model", copy.toString(), "--data", larger.toString());
        Cli good = Cli.run(onLarger, "--score-kinds", "bpd");
        assertEquals(0, good.exitCode(), good.toString());

        Cli small = calibrate(copy, "--score-kinds", "bpd", "--limit", "20");
        assertEquals(2, small.exitCode(), small.toString());
        assertTrue(small.err().contains("--replace-larger"), small.err());
        assertEquals(120, Calibration.read(copy).images(), "the larger one stays");

        Cli asked = calibrate(copy, "--score-kinds", "bpd", "--limit", "20", "--replace-larger");
        assertEquals(0, asked.exitCode(), asked.toString());
        assertEquals(20, Calibration.read(copy).images());

        // at a stream's α of 0.1, 20 null scores can alert: nothing is lost
        assertEquals(0, Cli.run(onLarger, "--score-kinds", "bpd").exitCode());
        Cli loose = calibrate(copy, "--score-kinds", "bpd", "--limit", "20", "--alpha", "0.1");
        assertEquals(0, loose.exitCode(), loose.toString());
        assertTrue(loose.out().contains("alert threshold at alpha 0.1: "), loose.out());
        assertEquals(20, Calibration.read(copy).images());
    }

    @Test
    void calibratingTheImportanceWeightedBoundWithoutSamplesIsAUsageError() {
        Cli calibrate =
                Cli.run(
                        "calibrate",
                        "--model",
                        bundle.toString(),
                        "--data",
                        data.toString(),
                        "--score-kinds",
                        "bpd_iw");
        assertEquals(2, calibrate.exitCode(), calibrate.toString());
        assertTrue(calibrate.err().contains("--iw-samples"), calibrate.err());
    }

    /** {@code detection} of the tiny model on the tiny normal data, plus the given options. */
    private Cli detection(String... options) {
        return Cli.run(
                List.of("detection", "--model", bundle.toString(), "--normal", data.toString()),
                options);
    }

    @Test
    void detectionPrintsEveryScoreKindWithItsMetrics() throws IOException {
        Path other = TinyData.write(dir, "other", 12, 99);
        Cli detection = detection("--anomalous", other.toString(), "--alpha", "0.1");
        assertEquals(0, detection.exitCode(), detection.toString());
        for (String row : List.of("bpd ", "complexity (png)", "complexity (deflate)")) {
            assertTrue(detection.out().contains(row), detection.out());
        }
        assertTrue(detection.out().contains("calibration 20, held out 20"), detection.out());
    }

    @Test
    void scoreRefusesToWriteOverItsDataOrItsModel() throws IOException {
        Path manifest = bundle.resolve(ModelBundle.MANIFEST);
        byte[] images = Files.readAllBytes(data);
        byte[] model = Files.readAllBytes(manifest);
        for (Path out : List.of(data, manifest)) {
            Cli score = score(bundle, out, "--limit", "2");
            assertEquals(2, score.exitCode(), score.toString());
            assertTrue(score.err().contains("would write over"), score.err());
        }
        assertArrayEquals(images, Files.readAllBytes(data));
        assertArrayEquals(model, Files.readAllBytes(manifest));
    }

    /** Else every "detected" share reads 0, for want of null scores rather than of detection. */
    @Test
    void detectionWithTooFewNormalsForItsAlphaSaysHowManyItNeeds() {
        Cli detection = detection("--corrupt", "noise", "--alpha", "0.01");
        assertEquals(2, detection.exitCode(), detection.toString());
        assertTrue(detection.err().contains("40 normal images are too few"), detection.err());
        assertTrue(detection.err().contains("give at least 400"), detection.err());
    }

    @Test
    void detectionMakesAnomaliesFromTheHeldOutNormalsOnRequest() {
        Cli detection = detection("--corrupt", "noise", "--alpha", "0.1");
        assertEquals(0, detection.exitCode(), detection.toString());
        assertTrue(detection.out().contains("anomalous noise("), detection.out());
        assertTrue(detection.out().contains(": 20 images"), detection.out());
    }

    @Test
    void detectionWithoutAnomaliesIsAUsageError() {
        Cli none = detection("--alpha", "0.1");
        assertEquals(2, none.exitCode(), none.toString());
        assertTrue(none.err().contains("--corrupt-all"), none.err());
    }

    /** Failed before: all three rows were named "inverted". */
    @Test
    void detectionTellsSetsOfOneNameApart() throws IOException {
        Path one = TinyData.write(Files.createDirectories(dir.resolve("a")), "inverted", 12, 98);
        Path two = TinyData.write(Files.createDirectories(dir.resolve("b")), "inverted", 12, 99);
        Cli detection =
                detection(
                        "--anomalous",
                        one.toString(),
                        "--anomalous",
                        two.toString(),
                        "--corrupt",
                        "inverted",
                        "--alpha",
                        "0.1",
                        "--json");
        assertEquals(0, detection.exitCode(), detection.toString());
        assertEquals(
                List.of("inverted-2", "inverted-3", "inverted"),
                detection
                        .out()
                        .lines()
                        .map(line -> JsonParser.parseString(line).getAsJsonObject())
                        .filter(l -> l.has("anomalies"))
                        .map(l -> l.get("anomalies").getAsString())
                        .distinct()
                        .toList());
    }

    @Test
    void detectionJsonHasALinePerSetAndScoreThenEachScoresWorstKind() throws IOException {
        Path other = TinyData.write(dir, "other", 12, 99);
        Cli detection =
                detection(
                        "--anomalous",
                        other.toString(),
                        "--corrupt",
                        "noise,inverted",
                        "--alpha",
                        "0.1",
                        "--json");
        assertEquals(0, detection.exitCode(), detection.toString());
        List<JsonObject> lines =
                detection
                        .out()
                        .lines()
                        .map(line -> JsonParser.parseString(line).getAsJsonObject())
                        .toList();
        List<JsonObject> rows = lines.stream().filter(l -> l.has("anomalies")).toList();
        List<JsonObject> worst = lines.stream().filter(l -> l.has("worst")).toList();
        List<String> scores =
                rows.stream().map(row -> row.get("score").getAsString()).distinct().toList();
        assertTrue(
                scores.containsAll(List.of("bpd", "complexity (png)", "complexity (deflate)")),
                scores.toString());
        assertEquals(3 * scores.size(), rows.size(), detection.out());
        assertEquals(rows.size() + worst.size(), lines.size(), detection.out());
        assertEquals(
                List.of("other", "noise", "inverted"),
                rows.stream().map(r -> r.get("anomalies").getAsString()).distinct().toList());
        for (JsonObject row : rows) {
            for (String field : List.of("auroc", "auprc", "fpr95", "flagged", "false_alarms")) {
                double value = row.get(field).getAsDouble();
                assertTrue(value >= 0 && value <= 1, field + " of " + row);
            }
            // the held-out half of the 40 normals
            assertEquals(20, row.get("n_normal").getAsInt(), row.toString());
            int anomalous = row.get("anomalies").getAsString().equals("other") ? 12 : 20;
            assertEquals(anomalous, row.get("n_anomalous").getAsInt(), row.toString());
            // a dose row splits its flagged share by the part that made each score
            boolean dose = row.get("score").getAsString().startsWith("dose");
            assertEquals(dose, row.has("flagged_by_part"), row.toString());
            if (dose) {
                JsonObject parts = row.getAsJsonObject("flagged_by_part");
                String score = row.get("score").getAsString();
                assertEquals(
                        switch (score) {
                            case "dose (no shape)" -> Set.of("density", "outline");
                            case "dose (no blend)" -> Set.of("density", "shape", "outline");
                            case "dose (no outline)" -> Set.of("density", "shape", "blend");
                            default -> Set.of("density", "shape", "blend", "outline");
                        },
                        parts.keySet(),
                        row.toString());
                double sum = 0;
                for (String part : parts.keySet()) {
                    sum += parts.get(part).getAsDouble();
                }
                assertEquals(row.get("flagged").getAsDouble(), sum, 1e-9, row.toString());
            }
        }
        assertEquals(scores, worst.stream().map(w -> w.get("score").getAsString()).toList());
        for (JsonObject line : worst) {
            String score = line.get("score").getAsString();
            JsonObject lowest =
                    rows.stream()
                            .filter(r -> r.get("score").getAsString().equals(score))
                            .min(Comparator.comparingDouble(r -> r.get("auroc").getAsDouble()))
                            .orElseThrow();
            assertEquals(lowest.get("anomalies"), line.get("worst"), line.toString());
            assertEquals(lowest.get("auroc"), line.get("auroc"), line.toString());
            assertEquals(3, line.get("kinds").getAsInt());
        }
    }

    @Test
    void detectionOfEveryCorruptionEndsWithTheWorstKindPerScore() {
        Cli detection = detection("--corrupt-all", "--alpha", "0.1");
        assertEquals(0, detection.exitCode(), detection.toString());
        for (ImageCorruptions.Kind kind : ImageCorruptions.Kind.values()) {
            assertTrue(detection.out().contains("anomalous " + kind.id() + "("), kind + " missing");
        }
        assertTrue(
                detection
                        .out()
                        .contains(
                                "worst of "
                                        + ImageCorruptions.Kind.values().length
                                        + " kinds per score"),
                detection.out());
    }

    @Test
    void setsAreNamedAfterTheirFiles() {
        assertEquals("mnist", DetectionCommand.setName(Path.of("data/mnist-images-idx3-ubyte.gz")));
        assertEquals(
                "photo-crops", DetectionCommand.setName(Path.of("photo-crops-images-idx3-ubyte")));
        assertEquals("folder", DetectionCommand.setName(Path.of("some/folder")));
        assertEquals(
                "images-idx3-ubyte.gz", DetectionCommand.setName(Path.of("images-idx3-ubyte.gz")));
    }
}
