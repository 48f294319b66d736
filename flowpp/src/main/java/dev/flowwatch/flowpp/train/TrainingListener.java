package dev.flowwatch.flowpp.train;

import dev.flowwatch.flowpp.bundle.BundleWriter;

/** Hooks for progress display and for adding reports to checkpoints. */
public interface TrainingListener {

    /**
     * After each step; {@code imagesPerSecond} is averaged over recent steps, and {@code totalSteps}
     * is where the run will stop: the step limit, or the time limit's end at the current speed.
     */
    default void onStep(TrainingProgress progress, double bitsPerDim, double imagesPerSecond, long totalSteps) {}

    /**
     * Before a checkpoint is written: add files (plots, samples) so they land atomically with it.
     * The model holds the averaged weights about to be saved; the raw weights return afterwards.
     */
    default void beforeCheckpoint(TrainingProgress progress, BundleWriter writer) {}

    TrainingListener NONE = new TrainingListener() {};
}
