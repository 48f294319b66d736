package dev.flowwatch.streams.topology;

import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.Severity;

import java.time.Instant;

/**
 * Turns the model's bounds for one event into its score and, above the threshold, an alert.
 *
 * <p>The score is the negative ELBO in bits/dim ({@code score_kind} "bpd"): higher means less
 * likely under the model, i.e. more anomalous. An event is an anomaly when its score is strictly
 * above {@code threshold.bpd}. No p-value yet: that needs a calibration set.
 *
 * <p>Severity grows with the margin above the threshold, in bits/dim: below +0.5 LOW, from +0.5
 * MEDIUM, from +1 HIGH, from +2 CRITICAL. One bit/dim more means the image is 2^D times less likely
 * (D = pixels x channels), so even LOW is a clear departure; the steps separate "unusual" from
 * "nothing like the training data".
 */
public final class AnomalyDecider {

    public static final String SCORE_KIND = "bpd";

    private final double thresholdBpd;
    private final String modelId;
    private final String modelVersion;

    public AnomalyDecider(double thresholdBpd, String modelId, String modelVersion) {
        this.thresholdBpd = thresholdBpd;
        this.modelId = modelId;
        this.modelVersion = modelVersion;
    }

    /** The score of an event and, when it is an anomaly, its alert (else null). */
    public record Decision(AnomalyScore score, AnomalyAlert alert) {}

    /**
     * @param scores the batch's bounds
     * @param index the event's position in the batch
     * @param iwSamples the importance samples behind the IW bound, 0 when there is none
     * @param now when the score is emitted
     */
    public Decision decide(
            ImageEvent event,
            LikelihoodScorer.Scores scores,
            int index,
            int iwSamples,
            Instant now) {
        double bpd = scores.elboBitsPerDim()[index];
        boolean anomaly = bpd > thresholdBpd;
        AnomalyScore score =
                AnomalyScore.newBuilder()
                        .setEventId(event.getId())
                        .setSource(event.getSource())
                        .setEventTime(event.getEventTime())
                        .setScoredTime(now)
                        .setModelId(modelId)
                        .setModelVersion(modelVersion)
                        // the scorer reports the ELBO itself; the record carries its negation, a
                        // code length
                        .setElboNats(-scores.elboNats()[index])
                        .setElboBpd(bpd)
                        .setIwBpd(
                                scores.iwBitsPerDim() == null ? null : scores.iwBitsPerDim()[index])
                        .setIwSamples(scores.iwBitsPerDim() == null ? null : iwSamples)
                        .setScore(bpd)
                        .setScoreKind(SCORE_KIND)
                        .setThreshold(thresholdBpd)
                        .setPValue(null)
                        .setIsAnomaly(anomaly)
                        .build();
        if (!anomaly) {
            return new Decision(score, null);
        }
        Severity severity = severity(bpd - thresholdBpd);
        AnomalyAlert alert =
                AnomalyAlert.newBuilder()
                        .setEventId(event.getId())
                        .setSource(event.getSource())
                        .setScore(bpd)
                        .setScoreKind(SCORE_KIND)
                        .setThreshold(thresholdBpd)
                        .setPValue(null)
                        .setSeverity(severity)
                        .setModelId(modelId)
                        .setModelVersion(modelVersion)
                        .setEventTime(event.getEventTime())
                        .setAlertTime(now)
                        .setReason(
                                String.format(
                                        "score %.3f bits/dim is %.3f above the threshold %.3f"
                                            + " (model %s %s)",
                                        bpd,
                                        bpd - thresholdBpd,
                                        thresholdBpd,
                                        modelId,
                                        modelVersion))
                        .build();
        return new Decision(score, alert);
    }

    static Severity severity(double marginBpd) {
        if (marginBpd >= 2) {
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
}
