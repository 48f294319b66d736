package dev.flowwatch.streams;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowwatch.flowpp.bundle.BundleManifest;
import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.DoseModel;
import dev.flowwatch.flowpp.score.InputComplexity;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.ImageEvent;
import dev.flowwatch.schemas.ImageEvents;
import dev.flowwatch.streams.embedded.EmbeddedKafka;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/** A real bundle of a tiny random-weight model for 28x28 grey images, and events for it. */
public final class TestModels {

    public static final int SIZE = 28;

    private TestModels() {}

    /**
     * Settings of an app on {@code kafka} scoring with {@link #tinyBundle} under {@code dir}, never
     * over its threshold in bits/dim and serving metrics on a free port; mutable, for more.
     */
    public static Map<String, String> appSettings(
            EmbeddedKafka kafka, Path dir, String applicationId) {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("application.id", applicationId);
        settings.put("model.dir", tinyBundle(dir).toString());
        settings.put("state.dir", dir.resolve("state").toString());
        settings.put("metrics.port", "0");
        settings.put("threshold.bpd", "1e9");
        return settings;
    }

    public static Path tinyBundle(Path parent) {
        return write(
                parent.resolve("tiny-bundle"),
                new BundleWriter(parent.resolve("tiny-bundle"), "test-model"),
                FlowConfig.preset("tiny", 1, SIZE, SIZE));
    }

    /** A tiny model bundle for RGB images of {@code size} x {@code size} pixels. */
    public static Path tinyRgbBundle(Path parent, int size) {
        return write(
                parent.resolve("tiny-rgb-bundle"),
                new BundleWriter(parent.resolve("tiny-rgb-bundle"), "test-rgb-model"),
                FlowConfig.preset("tiny", 3, size, size));
    }

    /** A tiny model bundle with a tiny background model of other random weights attached. */
    public static Path tinyBundleWithBackground(Path parent) {
        Path bundle = tinyBundle(parent);
        Path background = parent.resolve("tiny-background");
        write(
                background,
                new BundleWriter(background, "test-background")
                        .metric(BundleManifest.MUTATION_RATE, 0.2),
                FlowConfig.presetBuilder("tiny", 1, SIZE, SIZE).optSeed(77).build());
        BundleWriter.attachBackground(bundle, background);
        return bundle;
    }

    private static Path write(Path dir, BundleWriter writer, FlowConfig config) {
        try (NDManager manager = NDManager.newBaseManager()) {
            FlowPlusPlus model = new FlowPlusPlus(config);
            model.initialize(manager, DataType.FLOAT32);
            writer.write(model);
        }
        return dir;
    }

    /**
     * Writes into the bundle the calibration.json of these null scores, one per image, as {@code
     * flowpp-trainer calibrate} does (with the bundle's background model, when it has one).
     */
    public static Calibration calibrate(Path bundle, Map<ScoreKind, double[]> nullScores) {
        int images = nullScores.values().iterator().next().length;
        return calibrate(bundle, images, nullScores, null);
    }

    /**
     * Writes into the bundle a calibration.json of {@code images} images.
     *
     * @param dose the model of score kind dose, or null when it is not calibrated
     */
    public static Calibration calibrate(
            Path bundle, int images, Map<ScoreKind, double[]> nullScores, DoseModel dose) {
        Calibration calibration =
                Calibration.of(
                        ModelBundle.readManifest(bundle),
                        ModelBundle.readBackgroundManifest(bundle).orElse(null),
                        ModelBundle.readOrientationManifest(bundle).orElse(null),
                        "noise",
                        "2026-01-01T00:00:00Z",
                        InputComplexity.Compressor.PNG,
                        images,
                        nullScores,
                        dose);
        BundleWriter.addFiles(bundle, Map.of(Calibration.FILE, calibration.toJson()));
        return calibration;
    }

    /** Pixels of a reproducible noise image. */
    public static byte[] pixels(long seed) {
        byte[] pixels = new byte[SIZE * SIZE];
        new Random(seed).nextBytes(pixels);
        return pixels;
    }

    public static ImageEvent event(String id, long seed) {
        return event(id, "camera-1", seed);
    }

    public static ImageEvent event(String id, String source, long seed) {
        return ImageEvents.rawU8(
                id, source, Instant.parse("2026-01-01T00:00:00Z"), SIZE, SIZE, 1, pixels(seed));
    }
}
