package dev.flowwatch.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.bundle.BundleWriter;
import dev.flowwatch.flowpp.bundle.ModelBundle;
import dev.flowwatch.flowpp.data.ImageSet;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.orientation.OrientationConfig;
import dev.flowwatch.flowpp.orientation.OrientationNet;
import dev.flowwatch.flowpp.score.AnomalyScores;
import dev.flowwatch.flowpp.score.Calibration;
import dev.flowwatch.flowpp.score.DoseFit;
import dev.flowwatch.flowpp.score.DoseModel;
import dev.flowwatch.flowpp.score.DoseStatistics;
import dev.flowwatch.flowpp.score.InputComplexity.Compressor;
import dev.flowwatch.flowpp.score.ScoreKind;
import dev.flowwatch.schemas.AnomalyAlert;
import dev.flowwatch.schemas.AnomalyScore;
import dev.flowwatch.schemas.ImageEvents;
import dev.flowwatch.streams.TestModels;
import dev.flowwatch.streams.engine.ScoredBatch;
import dev.flowwatch.streams.engine.ScoringEngine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The dose score end to end on the topology, on a calibration fitted as calibrate fits one. */
class DoseScoringTest {

    private static final int SIZE = TestModels.SIZE;

    /** Fewer than the even half's 20 references, so that the prototypes are k-means'. */
    private static final int BLEND_PROTOTYPES = 8;

    /** The engine's seed of the dequantization noise. */
    private static final int ENGINE_SEED = 42;

    @TempDir Path dir;

    @Test
    void scoresCarryTheDoseScoreOfFlowppAndItsPValue() {
        Path bundle = TestModels.tinyBundle(dir.resolve("models"));
        Calibration calibration = calibrateDose(bundle, false);
        assertTrue(calibration.dose().orElseThrow().usesBlend());

        try (ScoringEngine engine = ScoringEngine.load(bundle, "cpu", 0, ScoreKind.DOSE, 1);
                TopologyFixture f =
                        TopologyFixture.calibrated(engine, bundle, dir.resolve("state"), 0.1)) {
            f.send("k", TestModels.event("e", 7));
            AnomalyScore score = f.scores.readValue();

            assertEquals("dose", score.getScoreKind());
            DoseModel.Judgement seven = flowppJudgement(bundle, TestModels.pixels(7));
            assertEquals(seven.score(), score.getScore(), 1e-9);
            assertEquals(seven.part().id(), score.getScorePart());
            assertEquals(
                    calibration.pValue(ScoreKind.DOSE, score.getScore()), score.getPValue(), 0.0);
            assertEquals(calibration.threshold(ScoreKind.DOSE, 0.1), score.getThreshold(), 0.0);
            assertEquals(score.getPValue() < 0.1, score.getIsAnomaly());

            // a blank image is nothing like the noise the model was fitted to
            byte[] blank = new byte[SIZE * SIZE];
            f.send("b", ImageEvents.rawU8("b", "camera-1", Instant.EPOCH, SIZE, SIZE, 1, blank));
            AnomalyScore anomaly = f.scores.readValue();
            DoseModel.Judgement expected = flowppJudgement(bundle, blank);
            assertEquals(expected.score(), anomaly.getScore(), 1e-9);
            assertTrue(anomaly.getIsAnomaly(), "p = " + anomaly.getPValue());
            // the score record and its alert name the part that made the score
            assertEquals(expected.part().id(), anomaly.getScorePart());
            AnomalyAlert alert = f.alerts.readValue();
            assertEquals("dose", alert.getScoreKind());
            assertEquals(anomaly.getPValue(), alert.getPValue());
            assertEquals(expected.part().id(), alert.getScorePart());
            assertTrue(alert.getReason().contains(expected.part().meaning()), alert.getReason());
        }
    }

    @Test
    void doseOverTheBackgroundsBitsPerDimRunsTheBackgroundModel() {
        Path bundle = TestModels.tinyBundleWithBackground(dir.resolve("models"));
        calibrateDose(bundle, true);

        try (ScoringEngine engine = ScoringEngine.load(bundle, "cpu", 0, ScoreKind.DOSE, 1)) {
            ScoredBatch batch = engine.score(List.of(TestModels.pixels(7)));

            assertNotNull(batch.bounds().backgroundBitsPerDim());
            assertEquals(flowppDose(bundle, TestModels.pixels(7)), batch.scores()[0], 1e-9);
        }
    }

    @Test
    void doseWithItsOrientationPartRunsTheOrientationNetworkOnEveryBatch() {
        Path bundle = TestModels.tinyBundle(dir.resolve("models"));
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            OrientationNet net = new OrientationNet(new OrientationConfig(1, SIZE, SIZE, 2));
            net.initialize(manager, DataType.FLOAT32);
            BundleWriter.attachOrientation(bundle, net, Map.of());
        }
        calibrateDose(bundle, false, true);
        assertTrue(Calibration.read(bundle).dose().orElseThrow().usesOrientation());

        try (ScoringEngine engine = ScoringEngine.load(bundle, "cpu", 0, ScoreKind.DOSE, 1)) {
            ScoredBatch batch = engine.score(List.of(TestModels.pixels(7), TestModels.pixels(8)));

            assertNotNull(batch.bounds().orientation());
            assertEquals(flowppDose(bundle, TestModels.pixels(7)), batch.scores()[0], 1e-9);
        }
        // a bundle scored by another kind does not pay for the network
        try (ScoringEngine engine = ScoringEngine.load(bundle, "cpu", 0, ScoreKind.BPD, 1)) {
            assertNull(engine.score(List.of(TestModels.pixels(7))).bounds().orientation());
        }
    }

    /**
     * Writes what {@code flowpp-trainer calibrate --score-kinds dose [--dose-background]} stores
     * for 40 noise images: a density, reference shapes and blend prototypes fitted on half of them
     * and the other half's scores as its null.
     */
    private static Calibration calibrateDose(Path bundle, boolean background) {
        return calibrateDose(bundle, background, false);
    }

    /** As {@link #calibrateDose(Path, boolean)}, with the orientation part when asked. */
    private static Calibration calibrateDose(Path bundle, boolean background, boolean orientation) {
        int count = 40;
        List<byte[]> normals = new ArrayList<>();
        ByteArrayOutputStream pixels = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            normals.add(TestModels.pixels(100 + i));
            pixels.writeBytes(normals.get(i));
        }
        ImageSet images = ImageSet.of(pixels.toByteArray(), 1, SIZE, SIZE, null, "noise");
        LikelihoodScorer.Scores bounds;
        // the likelihood-ratio engine runs the background model too
        ScoreKind kind = background ? ScoreKind.LIKELIHOOD_RATIO : ScoreKind.BPD;
        try (ScoringEngine engine = ScoringEngine.load(bundle, "cpu", 0, kind, 1)) {
            bounds = engine.score(normals).bounds();
        }
        List<String> statistics =
                DoseStatistics.names(bounds.terms(), Compressor.PNG, true, background);
        AnomalyScores.Batch batch = new AnomalyScores(Compressor.PNG).batch(bounds, images);
        DoseFit fit =
                DoseFit.of(
                        statistics,
                        batch.statistics(statistics),
                        batch.shapes(),
                        null,
                        BLEND_PROTOTYPES,
                        batch.outlines(),
                        orientation ? orientationSurprises(bundle, images) : null);
        return TestModels.calibrate(
                bundle, count, Map.of(ScoreKind.DOSE, fit.nullScores()), fit.model());
    }

    /** The bundle's orientation network's surprise of every image. */
    private static double[] orientationSurprises(Path bundle, ImageSet images) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            return ModelBundle.load(bundle, manager)
                    .orientation()
                    .orElseThrow()
                    .surprise(
                            manager.create(
                                    images.toFloats(0, images.size()),
                                    new Shape(images.size(), 1, SIZE, SIZE)))
                    .toType(DataType.FLOAT64, false)
                    .toDoubleArray();
        }
    }

    /**
     * The dose score of one grey image straight through flowpp: scored alone (with the bundle's
     * background model, if any) with the engine's seed, as a batch of one is, and scored by the
     * bundle's calibration.
     */
    private static double flowppDose(Path bundle, byte[] pixels) {
        return flowppJudgement(bundle, pixels).score();
    }

    /** {@link #flowppDose} with the part the score comes from. */
    private static DoseModel.Judgement flowppJudgement(Path bundle, byte[] pixels) {
        ImageSet image = ImageSet.of(pixels, 1, SIZE, SIZE, null, "e");
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            LikelihoodScorer scorer =
                    ModelBundle.load(bundle, manager).scorer(manager, ENGINE_SEED);
            LikelihoodScorer.Scores bounds = scorer.score(image.toFloats(0, 1), 1, 0);
            return AnomalyScores.of(Calibration.read(bundle))
                    .batch(bounds, image)
                    .doseJudgements()[0];
        }
    }
}
