package dev.flowwatch.streams.engine;

import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.ScoreKind;

import java.nio.file.Path;
import java.util.Optional;

/** Start-up messages for a score kind that the bundle's calibration does not cover. */
public final class Uncalibrated {

    private Uncalibrated() {}

    /**
     * What is missing: the calibration file, or the kind in it ({@link Calibration#whyMissing},
     * which names a stale background model too).
     *
     * @param calibration what the engine read from {@code bundleDir}
     */
    public static String why(Path bundleDir, Optional<Calibration> calibration, ScoreKind kind) {
        Path file = bundleDir.resolve(Calibration.FILE);
        return calibration.map(c -> file + ": " + c.whyMissing(kind)).orElse(file + " is missing");
    }

    /** The command that calibrates {@code kind}. */
    public static String fix(Path bundleDir, ScoreKind kind) {
        return "run 'flowpp-trainer calibrate --model "
                + bundleDir
                + " --data HELD_OUT_NORMALS --score-kinds "
                + kind.id()
                + "'";
    }
}
