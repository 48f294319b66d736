package dev.flowwatch.streams.topology;

import static dev.flowwatch.streams.topology.TestScores.bpd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.Severity;
import dev.flowwatch.streams.TestModels;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;

class AlertsTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:01Z");
    private static final ImageEvent EVENT = TestModels.event("e1", 3);
    private static final Calibration CALIBRATION = TestScores.calibration();
    private static final Alerts ALERTS = new Alerts(0.01, Optional.of(CALIBRATION));

    private static AnomalyScore calibrated(double score) {
        return AnomalyDecider.calibrated(ScoreKind.BPD, CALIBRATION, 0.01, "m", "v")
                .score(EVENT, bpd(score), 0, NOW);
    }

    @Test
    void alertCarriesTheScoresPValueThresholdAndTimes() {
        AnomalyScore anomaly = calibrated(995);

        AnomalyAlert alert = ALERTS.of(anomaly, "why now");

        assertEquals(Severity.MEDIUM, alert.getSeverity());
        assertEquals(7.0 / 1001, alert.getPValue(), 1e-15);
        assertEquals(anomaly.getThreshold(), alert.getThreshold(), 0.0);
        assertEquals(995, alert.getScore(), 0.0);
        assertEquals("bpd", alert.getScoreKind());
        assertEquals(NOW, alert.getAlertTime());
        assertEquals(anomaly.getEventTime(), alert.getEventTime());
        assertTrue(alert.getReason().contains("calibrated on 1000 images"), alert.getReason());
        assertTrue(alert.getReason().endsWith("; why now"), alert.getReason());
    }

    /**
     * A dose score's part goes onto its alert, and the reason says in words what it found; a part
     * this build does not know is named as it is.
     */
    @Test
    void aDoseAlertCarriesThePartOfTheScoreAndSaysWhatItFound() {
        AnomalyScore blend = AnomalyScore.newBuilder(calibrated(995)).setScorePart("blend").build();

        AnomalyAlert alert = ALERTS.of(blend, null);

        assertEquals("blend", alert.getScorePart());
        assertTrue(
                alert.getReason()
                        .endsWith(
                                "; its blend part found it most atypical: it lies between two"
                                        + " kinds of normal shape, as a mix of two images does"),
                alert.getReason());
        AnomalyScore later = AnomalyScore.newBuilder(blend).setScorePart("texture").build();
        assertTrue(
                ALERTS.of(later, null)
                        .getReason()
                        .endsWith("; its texture part found it most atypical"),
                ALERTS.of(later, null).getReason());
        AnomalyAlert partless = ALERTS.of(calibrated(995), null);
        assertNull(partless.getScorePart());
        assertFalse(partless.getReason().contains("part"), partless.getReason());
    }

    @Test
    void severityFollowsThePValue() {
        assertEquals(Severity.MEDIUM, Alerts.severityOfPValue(0.005, 0.01));
        assertEquals(Severity.HIGH, Alerts.severityOfPValue(0.0009, 0.01));
        assertEquals(Severity.CRITICAL, Alerts.severityOfPValue(0.00009, 0.01));
        // above every calibration score: p = 1/1001 < alpha/10
        assertEquals(Severity.HIGH, ALERTS.of(calibrated(5000), null).getSeverity());
    }

    @Test
    void withoutAPValueSeverityGoesByTheMarginAboveTheThreshold() {
        AnomalyScore s =
                TestScores.score(AnomalyDecider.fixedThreshold(5, "m", "v"), "e", "cam", 6.2, NOW);

        AnomalyAlert alert = new Alerts(0.01, Optional.empty()).of(s, null);

        assertNull(alert.getPValue());
        assertEquals(Severity.HIGH, alert.getSeverity());
        assertTrue(
                alert.getReason().startsWith("score 6.200 bits/dim is 1.200 above"),
                alert.getReason());
    }

    @Test
    void severityGrowsWithTheMarginAboveTheThreshold() {
        assertEquals(Severity.LOW, Alerts.severity(0.49));
        assertEquals(Severity.MEDIUM, Alerts.severity(0.5));
        assertEquals(Severity.HIGH, Alerts.severity(1.0));
        assertEquals(Severity.CRITICAL, Alerts.severity(2.0));
        assertEquals(Severity.CRITICAL, Alerts.severity(Double.NaN), "no score is the worst");
    }
}
