package dev.flowwatch.flowpp.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowwatch.flowpp.bundle.BundleException;
import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.score.InputComplexity.Compressor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

class CalibrationTest {

    /** 1, 2, ..., 99 shuffled: n = 99. */
    private static double[] oneToNinetyNine() {
        double[] s = new double[99];
        for (int i = 0; i < s.length; i++) {
            s[i] = (i * 37) % 99 + 1;
        }
        return s;
    }

    private static final BundleManifest MODEL =
            new BundleManifest("f", 1, "m", "v1", "t", null, "sha", 0, Map.of());

    private static Calibration calibration() {
        return of(Map.of(ScoreKind.BPD, oneToNinetyNine()));
    }

    /** A calibration of {@link #MODEL} without background, orientation or dose. */
    private static Calibration of(Map<ScoreKind, double[]> scores) {
        return Calibration.of(
                MODEL, null, "normals", "2026-01-01T00:00:00Z", Compressor.PNG, scores);
    }

    @Test
    void pValueOfTheCalibrationMaximumIsTwoOverNPlusOne() {
        assertEquals(2.0 / 100, calibration().pValue(ScoreKind.BPD, 99), 0.0);
    }

    @Test
    void pValueOfTheMinimumOrBelowIsOne() {
        assertEquals(1.0, calibration().pValue(ScoreKind.BPD, 1), 0.0);
        assertEquals(1.0, calibration().pValue(ScoreKind.BPD, -5), 0.0);
    }

    @Test
    void pValueAboveEveryCalibrationScoreIsOneOverNPlusOne() {
        assertEquals(1.0 / 100, calibration().pValue(ScoreKind.BPD, 1e9), 0.0);
    }

    @Test
    void pValueFallsMonotonicallyWithTheScore() {
        Calibration c = calibration();
        double previous = 1;
        for (double s = 0; s <= 100; s += 0.25) {
            double p = c.pValue(ScoreKind.BPD, s);
            assertTrue(p <= previous, "p(" + s + ") = " + p + " > " + previous);
            previous = p;
        }
    }

    @Test
    void thresholdIsWhereThePValueCrossesAlpha() {
        Calibration c = calibration();
        // alpha (n+1) = 5: at most 3 calibration scores may be >= s, so s > 96
        double t = c.threshold(ScoreKind.BPD, 0.05);
        assertEquals(96, t, 0.0);
        assertFalse(c.pValue(ScoreKind.BPD, t) < 0.05);
        assertTrue(c.pValue(ScoreKind.BPD, Math.nextUp(t)) < 0.05);
        for (double s = 0; s <= 100; s += 0.5) {
            assertEquals(c.pValue(ScoreKind.BPD, s) < 0.05, s > t, "at " + s);
        }
    }

    @Test
    void tooFewCalibrationImagesForAlphaFailWithTheNumberNeeded() {
        // n = 99: the smallest p-value is 1/100, never below 0.01
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> calibration().threshold(ScoreKind.BPD, 0.01));
        assertTrue(e.getMessage().contains("at least 100 images"), e.getMessage());
    }

    @Test
    void uncalibratedKindIsNamed() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> calibration().pValue(ScoreKind.COMPLEXITY, 1));
        assertTrue(e.getMessage().contains("complexity"), e.getMessage());
    }

    @Test
    void roundTripsThroughTheBundle(@TempDir Path dir) {
        Path bundle = dir.resolve("model");
        BundleManifest manifest;
        try (NDManager manager = NDManager.newBaseManager()) {
            manifest = tinyBundle(manager, bundle, 1, null);
        }
        assertTrue(Calibration.find(bundle).isEmpty());
        Calibration written =
                Calibration.of(
                        manifest,
                        null,
                        "normals.idx",
                        "2026-01-01T00:00:00Z",
                        Compressor.DEFLATE,
                        Map.of(
                                ScoreKind.BPD,
                                oneToNinetyNine(),
                                ScoreKind.COMPLEXITY,
                                oneToNinetyNine()));
        BundleWriter.addFiles(bundle, Map.of(Calibration.FILE, written.toJson()));

        Calibration read = Calibration.read(bundle);
        assertEquals(99, read.images());
        assertEquals("normals.idx", read.data());
        assertEquals(manifest.modelVersion(), read.modelVersion());
        assertEquals(Compressor.DEFLATE, read.compressor());
        for (double s = 0; s <= 100; s += 0.5) {
            assertEquals(
                    written.pValue(ScoreKind.COMPLEXITY, s), read.pValue(ScoreKind.COMPLEXITY, s));
        }
    }

    /** Each would give every score p = 1, so no alert, ever, if it loaded. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "\"nullScores\": {\"bpd\": []}",
                "\"nullScores\": {\"bpd\": [1.0, NaN, 2.0]}",
                "\"nullScores\": {}",
                "\"images\": 99"
            })
    void aCalibrationWithoutUsableNullScoresFailsToLoadNamingTheFile(
            String nullScores, @TempDir Path dir) throws IOException {
        Path bundle = dir.resolve("model");
        BundleManifest manifest;
        try (NDManager manager = NDManager.newBaseManager()) {
            manifest = tinyBundle(manager, bundle, 1, null);
        }
        String json =
                String.format(
                        "{\"format\": \"%s\", \"formatVersion\": 4, \"modelId\": \"%s\","
                                + " \"modelVersion\": \"%s\", %s}",
                        Calibration.FORMAT,
                        manifest.modelId(),
                        manifest.modelVersion(),
                        nullScores);
        BundleWriter.addFiles(
                bundle, Map.of(Calibration.FILE, json.getBytes(StandardCharsets.UTF_8)));
        BundleException e = assertThrows(BundleException.class, () -> Calibration.read(bundle));
        assertTrue(e.getMessage().contains(Calibration.FILE), e.getMessage());
        assertTrue(e.getMessage().contains("calibrate again"), e.getMessage());
    }

    @Test
    void aNaNNullScoreIsRefusedWhenTheCalibrationIsMade() {
        double[] scores = oneToNinetyNine();
        scores[5] = Double.NaN;
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> of(Map.of(ScoreKind.BPD, scores)));
        assertTrue(e.getMessage().contains("null score 5 is NaN"), e.getMessage());
    }

    @Test
    void bundleWithoutCalibrationFailsNamingTheFile(@TempDir Path dir) {
        Path bundle = dir.resolve("model");
        try (NDManager manager = NDManager.newBaseManager()) {
            FlowPlusPlus model = new FlowPlusPlus(FlowConfig.preset("tiny", 1, 8, 8));
            model.initialize(manager, DataType.FLOAT32);
            new BundleWriter(bundle, "test-model").write(model);
        }
        BundleException e = assertThrows(BundleException.class, () -> Calibration.read(bundle));
        assertTrue(
                e.getMessage().contains(bundle.resolve(Calibration.FILE).toString()),
                e.getMessage());
    }

    @Test
    void likelihoodRatioCalibrationNeedsABackgroundModel() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> of(Map.of(ScoreKind.LIKELIHOOD_RATIO, oneToNinetyNine())));
        assertTrue(e.getMessage().contains("background"), e.getMessage());
    }

    /** Swapping the background invalidates only the scores that involve it. */
    @Test
    void likelihoodRatioCalibrationOfAnotherBackgroundIsNotUsed(@TempDir Path dir) {
        Path bundle = dir.resolve("model");
        BundleManifest manifest = bundleWithTwoBackgrounds(dir);
        BundleManifest first = BundleWriter.attachBackground(bundle, dir.resolve("bg1"));
        Calibration written =
                Calibration.of(
                        manifest,
                        first,
                        "normals",
                        "2026-01-01T00:00:00Z",
                        Compressor.PNG,
                        Map.of(
                                ScoreKind.BPD,
                                oneToNinetyNine(),
                                ScoreKind.LIKELIHOOD_RATIO,
                                oneToNinetyNine()));
        BundleWriter.addFiles(bundle, Map.of(Calibration.FILE, written.toJson()));
        assertTrue(Calibration.read(bundle).has(ScoreKind.LIKELIHOOD_RATIO));

        BundleWriter.attachBackground(bundle, dir.resolve("bg2"));
        Calibration read = Calibration.read(bundle);
        assertTrue(read.has(ScoreKind.BPD));
        assertFalse(read.has(ScoreKind.LIKELIHOOD_RATIO));
        assertTrue(
                read.whyMissing(ScoreKind.LIKELIHOOD_RATIO).contains("calibrate again"),
                read.whyMissing(ScoreKind.LIKELIHOOD_RATIO));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> read.pValue(ScoreKind.LIKELIHOOD_RATIO, 1));
        assertTrue(e.getMessage().contains(first.modelVersion()), e.getMessage());
    }

    /**
     * A dose calibration: its density over two statistics, its reference shapes and 16 blend
     * prototypes of them, and an outline part, fitted on 200 of 400 images.
     */
    private static Calibration dose(BundleManifest model, BundleManifest background) {
        List<String> statistics =
                background == null ? List.of("x", "y") : List.of("x", DoseStatistics.BACKGROUND);
        return dose(
                model,
                background,
                DoseFit.of(
                        statistics,
                        KernelDensityTest.gaussian(400, 0.6, 21),
                        NearestNormalsTest.descriptors(400, 21),
                        null,
                        16,
                        outlines(400, 21),
                        null));
    }

    private static double[] outlines(int count, long seed) {
        Random random = new Random(seed);
        return random.doubles(count).map(u -> 0.1 * u).toArray();
    }

    private static Calibration dose(BundleManifest model, BundleManifest background, DoseFit fit) {
        return Calibration.of(
                model,
                background,
                null,
                "normals",
                "2026-01-01T00:00:00Z",
                Compressor.PNG,
                400,
                Map.of(ScoreKind.DOSE, fit.nullScores()),
                fit.model());
    }

    @Test
    void doseWithAnOrientationPartNeedsTheNetworkSaysHowToGetOne() {
        double[] orientation = new double[400];
        Arrays.fill(orientation, 0.1);
        DoseFit fit =
                DoseFit.of(
                        List.of("x", "y"),
                        KernelDensityTest.gaussian(400, 0.6, 21),
                        null,
                        null,
                        orientation);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> dose(MODEL, null, fit));
        assertTrue(e.getMessage().contains("train-orientation"), e.getMessage());
    }

    @Test
    void doseModelAndNullRoundTripThroughTheBundle(@TempDir Path dir) {
        Path bundle = dir.resolve("model");
        BundleManifest manifest;
        try (NDManager manager = NDManager.newBaseManager()) {
            manifest = tinyBundle(manager, bundle, 1, null);
        }
        Calibration written = dose(manifest, null);
        BundleWriter.addFiles(bundle, Map.of(Calibration.FILE, written.toJson()));

        Calibration read = Calibration.read(bundle);
        assertEquals(400, read.images());
        assertEquals(200, read.nullCount(ScoreKind.DOSE));
        DoseModel model = read.dose().orElseThrow();
        assertTrue(model.usesShape());
        assertTrue(model.usesBlend());
        assertTrue(model.usesOutline());
        double[][] vectors = KernelDensityTest.gaussian(20, 0.6, 22);
        float[][] shapes = NearestNormalsTest.descriptors(20, 22);
        double[] outlines = outlines(20, 22);
        // a faint outline: the outline part makes the score
        outlines[0] = 0.6;
        for (int i = 0; i < vectors.length; i++) {
            double s =
                    written.dose()
                            .orElseThrow()
                            .score(vectors[i], shapes[i], Double.NaN, outlines[i]);
            assertEquals(s, model.score(vectors[i], shapes[i], Double.NaN, outlines[i]), 0.0);
            assertEquals(written.pValue(ScoreKind.DOSE, s), read.pValue(ScoreKind.DOSE, s), 0.0);
        }
        assertEquals(
                DoseModel.Part.OUTLINE,
                model.judge(vectors[0], model.shapeMatch(shapes[0]), Double.NaN, outlines[0])
                        .part());
    }

    /**
     * Before format 3 a dose score was −log of the density alone, and before format 4 its shape
     * part compared other descriptors: those nulls do not apply. A format-3 dose without the shape
     * part still does, and a format-5 one (no blend part) or a format-6 one (no outline part) with
     * it.
     */
    @ParameterizedTest
    @CsvSource({
        "2, true, false",
        "3, true, false",
        "3, false, true",
        "5, true, true",
        "6, true, true"
    })
    void doseOfAnOlderFormatIsNotUsed(
            int format, boolean withShape, boolean used, @TempDir Path dir) throws IOException {
        Path bundle = dir.resolve("model");
        BundleManifest manifest;
        try (NDManager manager = NDManager.newBaseManager()) {
            manifest = tinyBundle(manager, bundle, 1, null);
        }
        double[][] vectors = KernelDensityTest.gaussian(400, 0.6, 21);
        DoseFit fit =
                withShape
                        ? DoseFit.of(
                                List.of("x", "y"),
                                vectors,
                                NearestNormalsTest.descriptors(400, 21),
                                null)
                        : DoseFit.of(List.of("x", "y"), vectors);
        String json = new String(dose(manifest, null, fit).toJson(), StandardCharsets.UTF_8);
        BundleWriter.addFiles(
                bundle,
                Map.of(
                        Calibration.FILE,
                        json.replace(
                                        "\"formatVersion\":" + Calibration.FORMAT_VERSION,
                                        "\"formatVersion\":" + format)
                                .getBytes(StandardCharsets.UTF_8)));
        Calibration read = Calibration.read(bundle);
        assertEquals(used, read.has(ScoreKind.DOSE));
        assertEquals(used, read.dose().isPresent());
        if (!used) {
            assertTrue(
                    read.whyMissing(ScoreKind.DOSE).contains("format " + format),
                    read.whyMissing(ScoreKind.DOSE));
        }
    }

    @Test
    void doseScoresNeedTheirModel() {
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        Calibration.of(
                                MODEL,
                                null,
                                null,
                                "normals",
                                "2026-01-01T00:00:00Z",
                                Compressor.PNG,
                                99,
                                Map.of(ScoreKind.DOSE, oneToNinetyNine()),
                                null));
    }

    /** A density over the background's bits/dim is stale once the background is swapped. */
    @Test
    void doseOverAnotherBackgroundIsNotUsed(@TempDir Path dir) {
        Path bundle = dir.resolve("model");
        BundleManifest manifest = bundleWithTwoBackgrounds(dir);
        BundleManifest first = BundleWriter.attachBackground(bundle, dir.resolve("bg1"));
        BundleWriter.addFiles(bundle, Map.of(Calibration.FILE, dose(manifest, first).toJson()));
        assertTrue(Calibration.read(bundle).has(ScoreKind.DOSE));

        BundleWriter.attachBackground(bundle, dir.resolve("bg2"));
        Calibration read = Calibration.read(bundle);
        assertFalse(read.has(ScoreKind.DOSE));
        assertTrue(read.dose().isEmpty());
        assertTrue(
                read.whyMissing(ScoreKind.DOSE).contains(first.modelVersion()),
                read.whyMissing(ScoreKind.DOSE));
    }

    /** A tiny model in dir/model and two tiny backgrounds beside it, bg1 and bg2. */
    private static BundleManifest bundleWithTwoBackgrounds(Path dir) {
        try (NDManager manager = NDManager.newBaseManager()) {
            tinyBundle(manager, dir.resolve("bg1"), 2, 0.2);
            tinyBundle(manager, dir.resolve("bg2"), 3, 0.2);
            return tinyBundle(manager, dir.resolve("model"), 1, null);
        }
    }

    private static BundleManifest tinyBundle(
            NDManager manager, Path dir, long seed, Double mutationRate) {
        FlowPlusPlus model =
                new FlowPlusPlus(FlowConfig.presetBuilder("tiny", 1, 8, 8).optSeed(seed).build());
        model.initialize(manager, DataType.FLOAT32);
        BundleWriter writer = new BundleWriter(dir, "m" + seed);
        if (mutationRate != null) {
            writer.metric(BundleManifest.MUTATION_RATE, mutationRate);
        }
        return writer.write(model);
    }
}
