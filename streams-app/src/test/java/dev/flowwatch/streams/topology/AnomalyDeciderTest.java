package dev.flowwatch.streams.topology;

import static dev.flowwatch.streams.topology.TestScores.bpd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.InputComplexity.Compressor;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

class AnomalyDeciderTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:01Z");
    private static final ImageEvent EVENT = TestModels.event("e1", 3);

    private static final Calibration CALIBRATION = TestScores.calibration();

    @Test
    void calibratedScoreCarriesItsPValueAndIsAnAnomalyBelowAlpha() {
        AnomalyDecider decider =
                AnomalyDecider.calibrated(ScoreKind.BPD, CALIBRATION, 0.01, "m", "v");
        // alpha (n+1) = 10.01: at most 9 calibration scores may be >= s, so s > 991
        assertEquals(991, decider.threshold(), 0.0);

        AnomalyScore normal = decider.score(EVENT, bpd(500), 0, NOW);
        assertEquals(502.0 / 1001, normal.getPValue(), 1e-15);
        assertEquals("bpd", normal.getScoreKind());
        assertEquals(991, normal.getThreshold(), 0.0);
        assertFalse(normal.getIsAnomaly());

        AnomalyScore anomaly = decider.score(EVENT, bpd(995), 0, NOW);
        assertEquals(7.0 / 1001, anomaly.getPValue(), 1e-15);
        assertTrue(anomaly.getIsAnomaly());
        assertEquals(NOW, anomaly.getScoredTime());
    }

    @Test
    void scoreIsTheEnginesValueAndTheRecordKeepsTheBoundsBesideIt() {
        AnomalyDecider decider =
                AnomalyDecider.calibrated(ScoreKind.COMPLEXITY, CALIBRATION, 0.01, "m", "v");

        AnomalyScore s = decider.score(EVENT, TestScores.batch(600, 42), 0, NOW);

        assertEquals(42, s.getScore(), 0.0);
        assertEquals(CALIBRATION.pValue(ScoreKind.COMPLEXITY, 42), s.getPValue(), 0.0);
        assertEquals(600, s.getElboBpd(), 0.0);
        // the record carries the ELBO's negation, a code length in nats
        assertEquals(600 * TestScores.DIMENSIONS * Math.log(2), s.getElboNats(), 1e-9);
        assertNull(s.getIwBpd());
        assertNull(s.getIwSamples());
        assertEquals("complexity", s.getScoreKind());
        // only dose's scores have parts
        assertNull(s.getScorePart());
    }

    @Test
    void fixedThresholdDecidesAboveItWithNoPValue() {
        AnomalyDecider decider = AnomalyDecider.fixedThreshold(5, "m", "v");
        AnomalyScore s = decider.score(EVENT, bpd(6.2), 0, NOW);
        assertNull(s.getPValue());
        assertTrue(s.getIsAnomaly());
        assertEquals(5, s.getThreshold(), 0.0);
        assertFalse(decider.score(EVENT, bpd(5), 0, NOW).getIsAnomaly());
    }

    @Test
    void aNaNScoreIsAnAnomalyWithOrWithoutACalibration() {
        AnomalyScore calibrated =
                AnomalyDecider.calibrated(ScoreKind.BPD, CALIBRATION, 0.01, "m", "v")
                        .score(EVENT, bpd(Double.NaN), 0, NOW);
        // as surprising as +inf: no calibration score reaches it
        assertEquals(1.0 / 1001, calibrated.getPValue(), 1e-15);
        assertTrue(calibrated.getIsAnomaly());
        assertTrue(
                AnomalyDecider.fixedThreshold(5, "m", "v")
                        .score(EVENT, bpd(Double.NaN), 0, NOW)
                        .getIsAnomaly());
    }

    private static AppConfig config(Path modelDir, String... settings) {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", "unused:9092");
        m.put("model.dir", modelDir.toString());
        for (int i = 0; i < settings.length; i += 2) {
            m.put(settings[i], settings[i + 1]);
        }
        return AppConfig.load(null, Map.of(), m);
    }

    @Test
    void uncalibratedComplexityFailsAtStartNamingTheFile(@TempDir Path dir) {
        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () ->
                                AnomalyDecider.forConfig(
                                        config(
                                                dir,
                                                "score.kind",
                                                "complexity",
                                                "threshold.bpd",
                                                "5"),
                                        Optional.empty(),
                                        "m",
                                        "v"));
        assertTrue(
                e.getMessage().contains(dir.resolve(Calibration.FILE).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("flowpp-trainer calibrate"), e.getMessage());
    }

    @Test
    void uncalibratedBitsPerDimFallsBackToTheThresholdAndNeedsIt(@TempDir Path dir) {
        assertEquals(
                5,
                AnomalyDecider.forConfig(
                                config(dir, "threshold.bpd", "5"), Optional.empty(), "m", "v")
                        .threshold());
        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () -> AnomalyDecider.forConfig(config(dir), Optional.empty(), "m", "v"));
        assertTrue(e.getMessage().startsWith("threshold.bpd is not set"), e.getMessage());
    }

    @Test
    void calibrationWinsOverTheThreshold(@TempDir Path dir) {
        AnomalyDecider decider =
                AnomalyDecider.forConfig(
                        config(dir, "threshold.bpd", "5", "alert.target-false-alarm-rate", "0.1"),
                        Optional.of(CALIBRATION),
                        "m",
                        "v");

        // alpha (n+1) = 100.1: at most 99 calibration scores may be >= s, so s > 901
        assertEquals(901, decider.threshold(), 0.0);
        InvalidConfigException tooFew =
                assertThrows(
                        InvalidConfigException.class,
                        () ->
                                AnomalyDecider.forConfig(
                                        config(dir, "alert.target-false-alarm-rate", "0.0001"),
                                        Optional.of(CALIBRATION),
                                        "m",
                                        "v"));
        assertTrue(tooFew.getMessage().contains("at least 10000 images"), tooFew.getMessage());
    }

    @Test
    void anImportanceWeightedNullOfAnotherKFailsAtStartNamingBoth(@TempDir Path dir) {
        Path bundle = TestModels.tinyBundle(dir);
        double[] s = new double[200];
        for (int i = 0; i < s.length; i++) {
            s[i] = i;
        }
        Calibration k4 = TestModels.calibrate(bundle, Map.of(ScoreKind.BPD_IW, s)).withIwSamples(4);
        BundleWriter.addFiles(bundle, Map.of(Calibration.FILE, k4.toJson()));
        Optional<Calibration> read = Calibration.find(bundle);
        assertEquals(OptionalInt.of(4), read.orElseThrow().iwSamples());

        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () ->
                                AnomalyDecider.forConfig(
                                        config(bundle, "score.kind", "bpd_iw", "iw.samples", "64"),
                                        read,
                                        "m",
                                        "v"));
        assertTrue(
                e.getMessage().startsWith("iw.samples=64: ")
                        && e.getMessage().contains("K=4")
                        && e.getMessage().contains("--iw-samples 64"),
                e.getMessage());
        assertEquals(
                ScoreKind.BPD_IW.id(),
                AnomalyDecider.forConfig(
                                config(bundle, "score.kind", "bpd_iw", "iw.samples", "4"),
                                read,
                                "m",
                                "v")
                        .score(EVENT, TestScores.batch(5, 5), 0, NOW)
                        .getScoreKind());
    }

    @Test
    void calibrationOfAnotherBackgroundFailsAtStartNamingIt(@TempDir Path dir) {
        Path bundle = TestModels.tinyBundle(dir);
        BundleManifest background =
                new BundleManifest("f", 1, "bg", "bg-v1", "t", null, "sha", 0, Map.of());
        double[] s = {1, 2, 3, 4};
        Calibration made =
                Calibration.of(
                        ModelBundle.readManifest(bundle),
                        background,
                        "normals",
                        "2026-01-01T00:00:00Z",
                        Compressor.PNG,
                        Map.of(ScoreKind.BPD, s, ScoreKind.LIKELIHOOD_RATIO, s));
        BundleWriter.addFiles(bundle, Map.of(Calibration.FILE, made.toJson()));
        // as the engine reads it: the bundle has no background model now
        Optional<Calibration> read = Calibration.find(bundle);

        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () ->
                                AnomalyDecider.forConfig(
                                        config(bundle, "score.kind", "likelihood_ratio"),
                                        read,
                                        "m",
                                        "v"));

        assertTrue(e.getMessage().startsWith("score.kind=likelihood_ratio"), e.getMessage());
        assertTrue(
                e.getMessage()
                        .contains(
                                "made with background model bg-v1, but the bundle holds" + " none"),
                e.getMessage());
    }
}
