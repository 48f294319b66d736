package dev.flowwatch.streams.topology;

import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.DoseModel;
import dev.flowwatch.flowpp.score.TypicalityTest;
import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.Severity;

import java.util.Optional;

/**
 * Builds the alerts of both alerting steps, the per-event one ({@link AlertProcessor}) and the
 * per-source one ({@link TypicalityProcessor}), each raised on a score record and timed when that
 * was scored. Severity goes by what the alert carries:
 *
 * <ul>
 *   <li>a p-value: below α/100 CRITICAL, below α/10 HIGH, else MEDIUM (p can get no lower than
 *       1/(n+1), so CRITICAL needs n &ge; 100/α calibration scores);
 *   <li>none (a fixed threshold.bpd): the margin above the threshold, in bits/dim, below +0.5 LOW,
 *       from +0.5 MEDIUM, from +1 HIGH, from +2 CRITICAL. One bit/dim more means the image is 2^D
 *       times less likely (D = pixels x channels). A NaN score is CRITICAL, as the decision and a
 *       p-value take it for the most anomalous.
 * </ul>
 */
public final class Alerts {

    private final double alpha;
    private final Optional<Calibration> calibration;

    /**
     * @param alpha {@code alert.target-false-alarm-rate}
     * @param calibration the bundle's calibration, as the engine read it, for the reasons
     */
    public Alerts(double alpha, Optional<Calibration> calibration) {
        this.alpha = alpha;
        this.calibration = calibration;
    }

    /** α, below which a p-value raises an alert. */
    public double alpha() {
        return alpha;
    }

    /**
     * The alert of an anomalous score.
     *
     * @param context why the alert is raised now, appended to the reason; null for none
     */
    public AnomalyAlert of(AnomalyScore score, String context) {
        Double pValue = score.getPValue();
        double value = score.getScore();
        double threshold = score.getThreshold();
        String reason = reason(score, pValue, value, threshold);
        if (score.getScorePart() != null) {
            String part = score.getScorePart();
            reason +=
                    "; its "
                            + part
                            + " part found it most atypical"
                            + DoseModel.Part.of(part).map(p -> ": " + p.meaning()).orElse("");
        }
        return alert(
                score,
                score.getScoreKind().toString(),
                value,
                threshold,
                pValue,
                score.getScorePart(),
                context == null ? reason : reason + "; " + context);
    }

    private String reason(AnomalyScore score, Double pValue, double value, double threshold) {
        if (pValue != null) {
            return String.format(
                    "%s score %.3f has p-value %.2g < alpha %s (threshold %.3f%s; model %s %s)",
                    score.getScoreKind(),
                    value,
                    pValue,
                    alpha,
                    threshold,
                    calibration.map(c -> "; calibrated on " + c.images() + " images").orElse(""),
                    score.getModelId(),
                    score.getModelVersion());
        }
        if (Double.isNaN(value)) {
            return String.format(
                    "the model gave no finite score (NaN), taken as the most anomalous (threshold"
                            + " %.3f; model %s %s)",
                    threshold, score.getModelId(), score.getModelVersion());
        }
        return String.format(
                "score %.3f bits/dim is %.3f above the threshold %.3f (model %s %s)",
                value, value - threshold, threshold, score.getModelId(), score.getModelVersion());
    }

    /**
     * The alert of the typicality test on a source's window, raised on its latest event: its score
     * is the window's statistic T.
     *
     * @param latest the score of the window's latest event
     * @param windowMean the mean bits/dim of the window's events
     * @param pValue the p-value of the window's statistic
     */
    public AnomalyAlert typicality(
            AnomalyScore latest, TypicalityTest test, double windowMean, double pValue) {
        double statistic = test.statistic(windowMean);
        double threshold = test.threshold(alpha);
        return alert(
                latest,
                TypicalityProcessor.KIND,
                statistic,
                threshold,
                pValue,
                // the window's statistic has no parts
                null,
                String.format(
                        "the last %d events of source %s average %.3f bits/dim, %s than normal"
                                + " images (%.3f): |difference| %.3f has p-value %.2g < alpha %s"
                                + " (threshold %.3f)",
                        test.window(),
                        latest.getSource(),
                        windowMean,
                        windowMean < test.entropy() ? "more likely" : "less likely",
                        test.entropy(),
                        statistic,
                        pValue,
                        alpha,
                        threshold));
    }

    private AnomalyAlert alert(
            AnomalyScore score,
            String kind,
            double value,
            double threshold,
            Double pValue,
            String part,
            String reason) {
        return AnomalyAlert.newBuilder()
                .setEventId(score.getEventId())
                .setSource(score.getSource())
                .setScore(value)
                .setScoreKind(kind)
                .setThreshold(threshold)
                .setPValue(pValue)
                .setSeverity(
                        pValue == null
                                ? severity(value - threshold)
                                : severityOfPValue(pValue, alpha))
                .setModelId(score.getModelId())
                .setModelVersion(score.getModelVersion())
                .setEventTime(score.getEventTime())
                .setAlertTime(score.getScoredTime())
                .setReason(reason)
                .setScorePart(part)
                .build();
    }

    /** A NaN margin is a score the model could not compute: as anomalous as any. */
    static Severity severity(double marginBpd) {
        if (marginBpd >= 2 || Double.isNaN(marginBpd)) {
            return Severity.CRITICAL;
        }
        if (marginBpd >= 1) {
            return Severity.HIGH;
        }
        if (marginBpd >= 0.5) {
            return Severity.MEDIUM;
        }
        return Severity.LOW;
    }

    static Severity severityOfPValue(double pValue, double alpha) {
        if (pValue < alpha / 100) {
            return Severity.CRITICAL;
        }
        if (pValue < alpha / 10) {
            return Severity.HIGH;
        }
        return Severity.MEDIUM;
    }
}
