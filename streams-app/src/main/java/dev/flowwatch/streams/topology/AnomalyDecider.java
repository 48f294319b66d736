package dev.flowwatch.streams.topology;

import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.streams.config.AppConfig;
import dev.flowwatch.streams.config.InvalidConfigException;
import dev.flowwatch.streams.engine.ScoredBatch;
import dev.flowwatch.streams.engine.Uncalibrated;

import java.time.Instant;
import java.util.Optional;

/**
 * Turns an event's row of a scored batch (its bounds and the score the engine computed) into its
 * {@link AnomalyScore}: the p-value where calibrated, the threshold, and whether it is an anomaly.
 * Scores grow with how anomalous the event is, for every {@code score.kind}.
 *
 * <p>Policy, chosen once at start ({@link #forConfig}):
 *
 * <ul>
 *   <li><b>Calibrated</b>: the bundle holds a calibration of the score kind. Every score carries
 *       its conformal p-value p = (1 + #{calibration scores &ge; s}) / (n + 1); the event is an
 *       anomaly when p &lt; α ({@code alert.target-false-alarm-rate}), which holds the false-alarm
 *       rate on normal images at α. {@code threshold} is the score above which p &lt; α.
 *   <li><b>Fixed threshold</b>, only for kind bpd on an uncalibrated bundle: anomaly when the score
 *       is strictly above {@code threshold.bpd}, no p-value.
 *   <li>Any other kind without a calibration fails at start, naming the missing file.
 * </ul>
 *
 * How severe an anomaly is, {@link Alerts} reads from the score record.
 */
public final class AnomalyDecider {

    private final ScoreKind kind;
    private final Calibration calibration;
    private final double alpha;
    private final double threshold;
    private final String modelId;
    private final String modelVersion;

    private AnomalyDecider(
            ScoreKind kind,
            Calibration calibration,
            double alpha,
            double threshold,
            String modelId,
            String modelVersion) {
        this.kind = kind;
        this.calibration = calibration;
        this.alpha = alpha;
        this.threshold = threshold;
        this.modelId = modelId;
        this.modelVersion = modelVersion;
    }

    /** Anomaly above a fixed number of bits/dim; no p-values. */
    public static AnomalyDecider fixedThreshold(
            double thresholdBpd, String modelId, String modelVersion) {
        return new AnomalyDecider(ScoreKind.BPD, null, 0, thresholdBpd, modelId, modelVersion);
    }

    /**
     * Anomaly when the conformal p-value of the score is below {@code alpha}.
     *
     * @throws IllegalArgumentException if the calibration lacks the kind or is too small for alpha
     */
    public static AnomalyDecider calibrated(
            ScoreKind kind,
            Calibration calibration,
            double alpha,
            String modelId,
            String modelVersion) {
        return new AnomalyDecider(
                kind,
                calibration,
                alpha,
                calibration.threshold(kind, alpha),
                modelId,
                modelVersion);
    }

    /**
     * The policy of the configuration for the bundle in {@code config.modelDir()}.
     *
     * @param calibration the bundle's calibration as the engine read it, empty when it has none
     * @throws InvalidConfigException when neither a calibration nor threshold.bpd decides the kind
     */
    public static AnomalyDecider forConfig(
            AppConfig config,
            Optional<Calibration> calibration,
            String modelId,
            String modelVersion) {
        ScoreKind kind = config.scoreKind();
        if (calibration.isPresent() && calibration.get().has(kind)) {
            if (kind == ScoreKind.BPD_IW) {
                calibration
                        .get()
                        .iwSamplesConflict(
                                config.iwSamples(),
                                config.modelDir(),
                                "iw.samples=" + config.iwSamples(),
                                theirs -> "set iw.samples=" + theirs)
                        .ifPresent(
                                why -> {
                                    throw new InvalidConfigException(why);
                                });
            }
            try {
                return calibrated(
                        kind,
                        calibration.get(),
                        config.alertTargetFalseAlarmRate(),
                        modelId,
                        modelVersion);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException(
                        "alert.target-false-alarm-rate="
                                + config.alertTargetFalseAlarmRate()
                                + ": "
                                + config.modelDir().resolve(Calibration.FILE)
                                + ": "
                                + e.getMessage());
            }
        }
        if (kind == ScoreKind.BPD && config.thresholdBpd().isPresent()) {
            return fixedThreshold(config.thresholdBpd().getAsDouble(), modelId, modelVersion);
        }
        String missing = Uncalibrated.why(config.modelDir(), calibration, kind);
        String fix = Uncalibrated.fix(config.modelDir(), kind);
        throw new InvalidConfigException(
                kind == ScoreKind.BPD
                        ? "threshold.bpd is not set and " + missing + ": set it, or " + fix
                        : "score.kind="
                                + kind.id()
                                + " needs a calibration, but "
                                + missing
                                + ": "
                                + fix);
    }

    /** The score at which an event becomes an anomaly, in the units of the score kind. */
    public double threshold() {
        return threshold;
    }

    /**
     * The score of one event, with its p-value where calibrated and whether it is an anomaly.
     *
     * @param batch the scored batch the event was in
     * @param index the event's position in the batch
     * @param now when the score is emitted
     */
    public AnomalyScore score(ImageEvent event, ScoredBatch batch, int index, Instant now) {
        LikelihoodScorer.Scores bounds = batch.bounds();
        double value = batch.scores()[index];
        Double pValue = calibration == null ? null : calibration.pValue(kind, value);
        // with a calibration, p < alpha holds exactly when value > threshold
        // (Calibration.threshold); a NaN score (one the model could not compute) is an anomaly
        boolean anomaly =
                Double.isNaN(value) || (pValue == null ? value > threshold : pValue < alpha);
        boolean iw = bounds.iwBitsPerDim() != null;
        return AnomalyScore.newBuilder()
                .setEventId(event.getId())
                .setSource(event.getSource())
                .setEventTime(event.getEventTime())
                .setScoredTime(now)
                .setModelId(modelId)
                .setModelVersion(modelVersion)
                // the scorer reports the ELBO itself; the record carries its negation, a code
                // length
                .setElboNats(-bounds.elboNats()[index])
                .setElboBpd(bounds.elboBitsPerDim()[index])
                .setIwBpd(iw ? bounds.iwBitsPerDim()[index] : null)
                .setIwSamples(iw ? batch.iwSamples() : null)
                .setScore(value)
                .setScoreKind(kind.id())
                .setThreshold(threshold)
                .setPValue(pValue)
                .setIsAnomaly(anomaly)
                .setScorePart(batch.parts() == null ? null : batch.parts()[index].id())
                .build();
    }
}
