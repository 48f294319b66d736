package dev.flowwatch.flowpp.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a training run stands; saved in every checkpoint so that a resumed run continues exactly.
 *
 * @param step optimizer steps taken
 * @param epoch current pass over the training set (0-based)
 * @param batchInEpoch next batch of the current epoch's permutation
 * @param nonFiniteSteps steps skipped because the loss or gradient was NaN/Inf, in total
 * @param nonFiniteInRow the current run of such steps
 * @param trainingSeconds time spent in training steps, across resumes: what throughput is of
 * @param curve training and validation bits/dim so far
 * @param elapsedSeconds time spent in steps, validations and checkpoints, across resumes: what a
 *     time limit counts; a state saved before it was kept (read back as 0) takes {@code
 *     trainingSeconds}
 */
public record TrainingProgress(
        long step,
        int epoch,
        int batchInEpoch,
        long nonFiniteSteps,
        int nonFiniteInRow,
        double trainingSeconds,
        List<CurvePoint> curve,
        double elapsedSeconds) {

    /**
     * One point of the training curve.
     *
     * @param step the step after which it was measured
     * @param split "train" (mean of the steps since the previous point) or "validation" (EMA
     *     weights)
     * @param bitsPerDim negative ELBO in bits per dimension
     */
    public record CurvePoint(long step, String split, double bitsPerDim) {

        public CurvePoint {
            if (step < 0) {
                throw new IllegalArgumentException("step must not be negative, got " + step);
            }
            // reports write the split unquoted into CSV, so it must not break a row apart
            if (split == null
                    || split.isBlank()
                    || split.chars().anyMatch(c -> ",\"\r\n".indexOf(c) >= 0)) {
                throw new IllegalArgumentException(
                        "split must be a non-blank name without commas, quotes or line breaks, got"
                                + " '"
                                + split
                                + "'");
            }
        }
    }

    public static TrainingProgress start() {
        return new TrainingProgress(0, 0, 0, 0, 0, 0, List.of(), 0);
    }

    public TrainingProgress {
        curve = List.copyOf(curve);
        elapsedSeconds = Math.max(elapsedSeconds, trainingSeconds);
    }

    TrainingProgress withCurvePoint(CurvePoint point) {
        List<CurvePoint> points = new ArrayList<>(curve);
        points.add(point);
        return with(points, elapsedSeconds);
    }

    /** This progress after {@code seconds} spent outside the steps (a validation, a checkpoint). */
    TrainingProgress plusElapsed(double seconds) {
        return with(curve, elapsedSeconds + seconds);
    }

    private TrainingProgress with(List<CurvePoint> newCurve, double newElapsedSeconds) {
        return new TrainingProgress(
                step,
                epoch,
                batchInEpoch,
                nonFiniteSteps,
                nonFiniteInRow,
                trainingSeconds,
                newCurve,
                newElapsedSeconds);
    }

    /** The last validation bits/dim, or NaN before the first validation. */
    public double lastValidationBitsPerDim() {
        for (int i = curve.size() - 1; i >= 0; i--) {
            if (curve.get(i).split().equals("validation")) {
                return curve.get(i).bitsPerDim();
            }
        }
        return Double.NaN;
    }
}
