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
import dev.flowwatch.flowpp.score.InputComplexity;
import dev.flowwatch.flowpp.score.InputComplexity.Compressor;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.Severity;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

class AnomalyDeciderTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:01Z");
    private static final ImageEvent EVENT = TestModels.event("e1", 3);

    /** 1000 calibration scores 1, 2, ..., 1000 of bpd and complexity. */
    private static Calibration calibration(BundleManifest model) {
        double[] s = new double[1000];
        for (int i = 0; i < s.length; i++) {
            s[i] = i + 1;
        }
        return Calibration.of(
                model,
                null,
                "normals",
                "2026-01-01T00:00:00Z",
                Compressor.PNG,
                Map.of(ScoreKind.BPD, s, ScoreKind.COMPLEXITY, s));
    }

    private static final Calibration CALIBRATION =
            calibration(new BundleManifest("f", 1, "m", "v", "t", null, "sha", 0, Map.of()));

    @Test
    void calibratedScoreCarriesItsPValueAndAlertsBelowAlpha() {
        AnomalyDecider decider =
                AnomalyDecider.calibrated(ScoreKind.BPD, CALIBRATION, 0.01, "m", "v");
        // alpha (n+1) = 10.01: at most 9 calibration scores may be >= s, so s > 991
        assertEquals(991, decider.threshold(), 0.0);

        AnomalyScore normal = decider.score(EVENT, bpd(500), 0, 0, NOW);
        assertEquals(502.0 / 1001, normal.getPValue(), 1e-15);
        assertEquals("bpd", normal.getScoreKind());
        assertEquals(991, normal.getThreshold(), 0.0);
        assertFalse(normal.getIsAnomaly());

        AnomalyScore anomaly = decider.score(EVENT, bpd(995), 0, 0, NOW);
        assertEquals(7.0 / 1001, anomaly.getPValue(), 1e-15);
        assertTrue(anomaly.getIsAnomaly());
        AnomalyAlert alert = decider.alert(anomaly, "why now");
        assertEquals(Severity.MEDIUM, alert.getSeverity());
        assertEquals(7.0 / 1001, alert.getPValue(), 1e-15);
        assertEquals(NOW, alert.getAlertTime());
        assertTrue(alert.getReason().endsWith("; why now"), alert.getReason());
    }

    @Test
    void severityFollowsThePValue() {
        assertEquals(Severity.MEDIUM, AnomalyDecider.severityOfPValue(0.005, 0.01));
        assertEquals(Severity.HIGH, AnomalyDecider.severityOfPValue(0.0009, 0.01));
        assertEquals(Severity.CRITICAL, AnomalyDecider.severityOfPValue(0.00009, 0.01));
        AnomalyDecider decider =
                AnomalyDecider.calibrated(ScoreKind.BPD, CALIBRATION, 0.01, "m", "v");
        // above every calibration score: p = 1/1001 < alpha/10
        assertEquals(
                Severity.HIGH,
                decider.alert(decider.score(EVENT, bpd(5000), 0, 0, NOW), null).getSeverity());
    }

    @Test
    void complexityScoreIsBitsPerDimMinusTheEventsPngComplexity() {
        AnomalyDecider decider =
                AnomalyDecider.calibrated(ScoreKind.COMPLEXITY, CALIBRATION, 0.01, "m", "v");
        double complexity =
                InputComplexity.bitsPerDim(
                        Compressor.PNG, TestModels.pixels(3), 1, TestModels.SIZE, TestModels.SIZE);

        AnomalyScore s = decider.score(EVENT, bpd(600), 0, 0, NOW);

        assertEquals(600 - complexity, s.getScore(), 0.0);
        assertEquals(600, s.getElboBpd(), 0.0);
        assertEquals("complexity", s.getScoreKind());
    }

    @Test
    void fixedThresholdKeepsTheMarginSeveritiesAndNoPValue() {
        AnomalyDecider decider = AnomalyDecider.fixedThreshold(5, "m", "v");
        AnomalyScore s = decider.score(EVENT, bpd(6.2), 0, 0, NOW);
        assertNull(s.getPValue());
        assertTrue(s.getIsAnomaly());
        assertEquals(Severity.HIGH, decider.alert(s, null).getSeverity());
        assertFalse(decider.score(EVENT, bpd(5), 0, 0, NOW).getIsAnomaly());
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
                AnomalyDecider.forConfig(config(dir, "threshold.bpd", "5"), "m", "v").threshold());
        InvalidConfigException e =
                assertThrows(
                        InvalidConfigException.class,
                        () -> AnomalyDecider.forConfig(config(dir), "m", "v"));
        assertTrue(e.getMessage().startsWith("threshold.bpd is not set"), e.getMessage());
    }

    @Test
    void calibratedBundleWinsOverTheThreshold(@TempDir Path dir) {
        Path bundle = TestModels.tinyBundle(dir);
        BundleManifest manifest = ModelBundle.readManifest(bundle);
        BundleWriter.addFiles(bundle, Map.of(Calibration.FILE, calibration(manifest).toJson()));

        AnomalyDecider decider =
                AnomalyDecider.forConfig(
                        config(
                                bundle,
                                "threshold.bpd",
                                "5",
                                "alert.target-false-alarm-rate",
                                "0.1"),
                        "m",
                        "v");

        // alpha (n+1) = 100.1: at most 99 calibration scores may be >= s, so s > 901
        assertEquals(901, decider.threshold(), 0.0);
        InvalidConfigException tooFew =
                assertThrows(
                        InvalidConfigException.class,
                        () ->
                                AnomalyDecider.forConfig(
                                        config(bundle, "alert.target-false-alarm-rate", "0.0001"),
                                        "m",
                                        "v"));
        assertTrue(tooFew.getMessage().contains("at least 10000 images"), tooFew.getMessage());
    }
}
