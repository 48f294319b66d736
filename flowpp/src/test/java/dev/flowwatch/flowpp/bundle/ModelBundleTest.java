package dev.flowwatch.flowpp.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.orientation.OrientationConfig;
import dev.flowwatch.flowpp.orientation.OrientationNet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

class ModelBundleTest {

    @TempDir Path dir;

    private NDManager manager;
    private FlowPlusPlus model;
    private Path bundle;

    @BeforeEach
    void writeBundle() {
        manager = NDManager.newBaseManager();
        model = new FlowPlusPlus(FlowConfig.preset("tiny", 1, 8, 8));
        model.initialize(manager, DataType.FLOAT32);
        bundle = dir.resolve("model");
        new BundleWriter(bundle, "test-model")
                .metric("steps", 3)
                .file("extra/notes.txt", new byte[] {1, 2})
                .write(model);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static float[] pixels(int n) {
        Random random = new Random(1);
        float[] p = new float[n * 64];
        for (int i = 0; i < p.length; i++) {
            p[i] = random.nextInt(256);
        }
        return p;
    }

    @Test
    void loadedBundleScoresExactlyLikeTheSavedModel() {
        float[] images = pixels(6);
        double[] before = new LikelihoodScorer(model, manager, 9).score(images, 6, 2).elboNats();
        ModelBundle loaded = ModelBundle.load(bundle, manager);
        double[] after =
                new LikelihoodScorer(loaded.model(), manager, 9).score(images, 6, 2).elboNats();
        assertArrayEquals(before, after, 0.0);
        assertEquals("test-model", loaded.manifest().modelId());
        assertEquals(model.config(), loaded.manifest().config());
        assertTrue(Files.isRegularFile(bundle.resolve("extra/notes.txt")));
    }

    @Test
    void aLoadedModelHoldsEachWeightOnce() {
        try (NDManager loading = NDManager.newBaseManager()) {
            ModelBundle loaded = ModelBundle.load(bundle, loading);
            // the arrays of its initialisation, which the loaded ones replaced, are freed, and so
            // are the double-precision arrays its 1x1 convolutions were initialised from
            assertEquals(loaded.model().getParameters().size(), loading.getManagedArrays().size());
        }
    }

    @Test
    void missingDirectoryIsNamed() {
        BundleException e =
                assertThrows(
                        BundleException.class,
                        () -> ModelBundle.load(dir.resolve("nowhere"), manager));
        assertTrue(
                e.getMessage().contains("nowhere") && e.getMessage().contains("does not exist"),
                e.getMessage());
    }

    @Test
    void missingManifestIsNamed() throws IOException {
        Files.delete(bundle.resolve(ModelBundle.MANIFEST));
        BundleException e =
                assertThrows(BundleException.class, () -> ModelBundle.load(bundle, manager));
        assertTrue(e.getMessage().contains("bundle.json: missing"), e.getMessage());
    }

    @Test
    void truncatedParametersAreReported() throws IOException {
        Path params = bundle.resolve(ModelBundle.PARAMETERS);
        byte[] bytes = Files.readAllBytes(params);
        Files.write(params, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        BundleException e =
                assertThrows(BundleException.class, () -> ModelBundle.load(bundle, manager));
        assertTrue(e.getMessage().contains("parameters.bin: truncated"), e.getMessage());
    }

    /**
     * A weights file swapped for one larger than any array (sparse, so it costs no disk) used to be
     * read whole first: an OutOfMemoryError instead of a message naming the file.
     */
    @Test
    void oversizedParametersAreReportedWithoutReadingThem() throws IOException {
        Path params = bundle.resolve(ModelBundle.PARAMETERS);
        try (RandomAccessFile file = new RandomAccessFile(params.toFile(), "rw")) {
            file.setLength(3L << 30);
        }
        BundleException e =
                assertThrows(BundleException.class, () -> ModelBundle.load(bundle, manager));
        assertTrue(
                e.getMessage().contains("parameters.bin: truncated or altered: 3221225472 bytes"),
                e.getMessage());
    }

    @Test
    void corruptedParametersFailTheChecksum() throws IOException {
        Path params = bundle.resolve(ModelBundle.PARAMETERS);
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length - 5] ^= 0x40;
        Files.write(params, bytes);
        BundleException e =
                assertThrows(BundleException.class, () -> ModelBundle.load(bundle, manager));
        assertTrue(e.getMessage().contains("parameters.bin: corrupted: SHA-256"), e.getMessage());
    }

    @Test
    void parametersOfAnotherArchitectureAreReported() throws IOException {
        Path manifest = bundle.resolve(ModelBundle.MANIFEST);
        String json = Files.readString(manifest).replace("\"hidden\": 8", "\"hidden\": 12");
        Files.writeString(manifest, json);
        BundleException e =
                assertThrows(BundleException.class, () -> ModelBundle.load(bundle, manager));
        assertTrue(
                e.getMessage().contains("parameters.bin: does not match the architecture"),
                e.getMessage());
    }

    @Test
    void unsupportedFormatVersionIsReported() throws IOException {
        Path manifest = bundle.resolve(ModelBundle.MANIFEST);
        Files.writeString(
                manifest,
                Files.readString(manifest).replace("\"formatVersion\": 1", "\"formatVersion\": 7"));
        BundleException e =
                assertThrows(BundleException.class, () -> ModelBundle.load(bundle, manager));
        assertTrue(e.getMessage().contains("format version 7 is not supported"), e.getMessage());
    }

    @Test
    void invalidJsonIsReported() throws IOException {
        Files.writeString(
                bundle.resolve(ModelBundle.MANIFEST), "{ not json", StandardCharsets.UTF_8);
        BundleException e =
                assertThrows(BundleException.class, () -> ModelBundle.load(bundle, manager));
        assertTrue(
                e.getMessage().contains("bundle.json: not a valid bundle manifest"),
                e.getMessage());
    }

    @Test
    void inputShapeMismatchNamesBothShapes() {
        ModelBundle loaded = ModelBundle.load(bundle, manager);
        BundleException e =
                assertThrows(BundleException.class, () -> loaded.requireInputShape(3, 32, 32));
        assertTrue(
                e.getMessage().contains("1x8x8") && e.getMessage().contains("3x32x32"),
                e.getMessage());
    }

    /**
     * A calibration read the weights before a training run's checkpoint replaced them: written now,
     * it would describe other weights than the bundle's.
     */
    @Test
    void filesForWeightsOfAnotherVersionAreNotAdded() {
        String version = ModelBundle.readManifest(bundle).modelVersion();
        BundleException e =
                assertThrows(
                        BundleException.class,
                        () ->
                                BundleWriter.addFiles(
                                        bundle, Map.of("calibration.json", new byte[] {1}), "old"));
        assertTrue(e.getMessage().contains(version), e.getMessage());
        assertFalse(Files.exists(bundle.resolve("calibration.json")));

        BundleWriter.addFiles(bundle, Map.of("calibration.json", new byte[] {1}), version);
        assertTrue(Files.exists(bundle.resolve("calibration.json")));
    }

    @Test
    void rewritingReplacesTheBundleWholeAndLeavesNoStagingBehind() throws IOException {
        new BundleWriter(bundle, "second").write(model);
        assertEquals("second", ModelBundle.readManifest(bundle).modelId());
        assertFalse(
                Files.exists(bundle.resolve("extra/notes.txt")),
                "files of the old bundle must not survive");
        try (Stream<Path> siblings = Files.list(dir)) {
            assertEquals(
                    List.of("." + bundle.getFileName() + ".lock", bundle.getFileName().toString()),
                    siblings.map(p -> p.getFileName().toString()).sorted().toList(),
                    "only the bundle itself remains, and its writers' lock");
        }
    }

    /** A resumed training writes each checkpoint as a new version over its own bundle. */
    @Test
    void aNewVersionOfTheWeightsKeepsTheBackgroundAndOrientationAndDropsWhatDescribedTheOld()
            throws IOException {
        byte[] background = {1, 2};
        byte[] orientation = {3};
        BundleWriter.addFiles(
                bundle,
                Map.of(
                        ModelBundle.BACKGROUND + "/" + ModelBundle.PARAMETERS,
                        background,
                        ModelBundle.ORIENTATION + "/weights/" + ModelBundle.PARAMETERS,
                        orientation,
                        "calibration.json",
                        new byte[] {4},
                        "reports/samples.png",
                        new byte[] {5}));

        new BundleWriter(bundle, "m").keepingModelsOfItsOwn().write(model);

        assertArrayEquals(
                background,
                Files.readAllBytes(
                        bundle.resolve(ModelBundle.BACKGROUND).resolve(ModelBundle.PARAMETERS)));
        assertArrayEquals(
                orientation,
                Files.readAllBytes(
                        bundle.resolve(ModelBundle.ORIENTATION)
                                .resolve("weights")
                                .resolve(ModelBundle.PARAMETERS)));
        assertFalse(Files.exists(bundle.resolve("calibration.json")));
        assertFalse(Files.exists(bundle.resolve("reports")));

        // a new run over it: those models belong to other weights, maybe of another shape
        new BundleWriter(bundle, "other").write(model);
        assertFalse(Files.exists(bundle.resolve(ModelBundle.BACKGROUND)));
        assertFalse(Files.exists(bundle.resolve(ModelBundle.ORIENTATION)));
    }

    @Test
    void writingOverAFolderOfOtherFilesIsRefusedAndLeavesThemAsTheyWere() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.write(data.resolve("images.idx"), new byte[] {7});
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new BundleWriter(data, "m").write(model));
        assertTrue(e.getMessage().contains("holds files and no bundle.json"), e.getMessage());
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(data.resolve("images.idx")));
        try (Stream<Path> siblings = Files.list(dir)) {
            assertEquals(
                    2,
                    siblings.filter(p -> !p.getFileName().toString().endsWith(".lock")).count(),
                    "no staging or previous directory left");
        }
        assertFalse(Files.exists(dir.resolve(".data.lock")), "nor a lock of a refused write");

        Path file = Files.write(dir.resolve("notes.txt"), new byte[] {1});
        assertThrows(IllegalArgumentException.class, () -> BundleWriter.requireReplaceable(file));
        assertThrows(
                IllegalArgumentException.class,
                () -> BundleWriter.requireReplaceable(dir.getRoot()));
        // absent, empty, or a bundle already: replaced
        BundleWriter.requireReplaceable(dir.resolve("new"));
        BundleWriter.requireReplaceable(Files.createDirectories(dir.resolve("empty")));
        BundleWriter.requireReplaceable(bundle);
        new BundleWriter(dir.resolve("empty"), "m").write(model);
        assertEquals("m", ModelBundle.readManifest(dir.resolve("empty")).modelId());
    }

    @Test
    void interruptedWritePointsToThePreviousBundle() throws IOException {
        Files.move(bundle, dir.resolve(".model.previous"));
        BundleException e =
                assertThrows(BundleException.class, () -> ModelBundle.load(bundle, manager));
        assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
    }

    @Test
    void addedFilesKeepWeightsManifestAndOtherFiles() throws IOException {
        byte[] manifestBefore = Files.readAllBytes(bundle.resolve(ModelBundle.MANIFEST));
        byte[] weightsBefore = Files.readAllBytes(bundle.resolve(ModelBundle.PARAMETERS));

        BundleWriter.addFiles(
                bundle, Map.of("calibration.json", "{}".getBytes(StandardCharsets.UTF_8)));

        assertArrayEquals(manifestBefore, Files.readAllBytes(bundle.resolve(ModelBundle.MANIFEST)));
        assertArrayEquals(
                weightsBefore, Files.readAllBytes(bundle.resolve(ModelBundle.PARAMETERS)));
        assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(bundle.resolve("extra/notes.txt")));
        assertEquals("{}", Files.readString(bundle.resolve("calibration.json")));
        ModelBundle.load(bundle, manager);
    }

    @Test
    void addingFilesToACorruptedBundleFailsAndLeavesItAsItWas() throws IOException {
        Path weights = bundle.resolve(ModelBundle.PARAMETERS);
        byte[] corrupted = Files.readAllBytes(weights);
        corrupted[corrupted.length - 1] ^= 1;
        Files.write(weights, corrupted);

        BundleException e =
                assertThrows(
                        BundleException.class,
                        () -> BundleWriter.addFiles(bundle, Map.of("x.json", new byte[0])));
        assertTrue(e.getMessage().contains(ModelBundle.PARAMETERS), e.getMessage());
        assertFalse(Files.exists(bundle.resolve("x.json")));
    }

    /**
     * A background model of {@code size}×{@code size} images, as 'train --background' leaves it.
     */
    private Path backgroundBundle(String name, int size, int seed) {
        FlowPlusPlus b =
                new FlowPlusPlus(
                        FlowConfig.presetBuilder("tiny", 1, size, size).optSeed(seed).build());
        b.initialize(manager, DataType.FLOAT32);
        Path out = dir.resolve(name);
        new BundleWriter(out, name).metric(BundleManifest.MUTATION_RATE, 0.2).write(b);
        return out;
    }

    @Test
    void attachedBackgroundLoadsWithTheModelAndIsScoredInTheSameBatch() {
        Path background = backgroundBundle("bg", 8, 5);
        BundleManifest attached = BundleWriter.attachBackground(bundle, background);

        ModelBundle loaded = ModelBundle.load(bundle, manager);
        assertEquals(
                attached.modelVersion(),
                loaded.background().orElseThrow().manifest().modelVersion());
        assertEquals(
                ModelBundle.readManifest(dir.resolve("model")).modelVersion(),
                loaded.manifest().modelVersion(),
                "attaching keeps the model's identity");
        float[] images = pixels(6);
        LikelihoodScorer.Scores both = loaded.scorer(manager, 9).score(images, 6, 2);
        LikelihoodScorer.Scores alone =
                new LikelihoodScorer(loaded.model(), manager, 9).score(images, 6, 2);
        LikelihoodScorer.Scores backgroundAlone =
                new LikelihoodScorer(
                                ModelBundle.load(background, manager).model(),
                                manager,
                                LikelihoodScorer.backgroundSeed(9))
                        .score(images, 6, 0);
        assertArrayEquals(alone.elboBitsPerDim(), both.elboBitsPerDim(), 0.0);
        assertArrayEquals(alone.iwBitsPerDim(), both.iwBitsPerDim(), 0.0);
        assertArrayEquals(backgroundAlone.elboBitsPerDim(), both.backgroundBitsPerDim(), 1e-9);
        assertTrue(alone.backgroundBitsPerDim() == null);
    }

    @Test
    void backgroundMustBeABackgroundModelOfTheSameImageShape() {
        BundleException notBackground =
                assertThrows(
                        BundleException.class,
                        () -> BundleWriter.attachBackground(bundle, dir.resolve("model")));
        assertTrue(
                notBackground.getMessage().contains("train --background"),
                notBackground.getMessage());

        BundleException shape =
                assertThrows(
                        BundleException.class,
                        () -> BundleWriter.attachBackground(bundle, backgroundBundle("bg4", 4, 5)));
        assertTrue(shape.getMessage().contains("1x4x4"), shape.getMessage());
        assertFalse(Files.exists(bundle.resolve(ModelBundle.BACKGROUND)));
    }

    @Test
    void corruptedBackgroundFailsTheBundleNamingItsFile() throws IOException {
        BundleWriter.attachBackground(bundle, backgroundBundle("bg", 8, 5));
        assertCorruptedWeightsFailTheBundle(ModelBundle.BACKGROUND);
    }

    /** Flips a bit of the weights in {@code directory} of the bundle; loading must name them. */
    private void assertCorruptedWeightsFailTheBundle(String directory) throws IOException {
        Path weights = bundle.resolve(directory).resolve(ModelBundle.PARAMETERS);
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length / 2] ^= 1;
        Files.write(weights, bytes);
        BundleException e =
                assertThrows(BundleException.class, () -> ModelBundle.load(bundle, manager));
        assertTrue(e.getMessage().contains(weights.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("corrupted"), e.getMessage());
    }

    private static OrientationNet orientationNet(NDManager manager, int size) {
        OrientationNet net = new OrientationNet(new OrientationConfig(1, size, size, 2));
        net.initialize(manager, DataType.FLOAT32);
        return net;
    }

    @Test
    void attachedOrientationNetworkLoadsWithTheModelAndIsScoredInTheSameBatch() {
        OrientationNet net = orientationNet(manager, 8);
        OrientationManifest attached =
                BundleWriter.attachOrientation(bundle, net, Map.of("steps", 0));
        OrientationManifest read = ModelBundle.readOrientationManifest(bundle).orElseThrow();
        assertEquals(attached.version(), read.version());
        assertEquals(net.config(), read.config());
        assertEquals(
                ModelBundle.readManifest(dir.resolve("model")).modelVersion(),
                ModelBundle.load(bundle, manager).manifest().modelVersion(),
                "attaching keeps the model's identity");

        ModelBundle loaded = ModelBundle.load(bundle, manager);
        float[] images = pixels(6);
        LikelihoodScorer.Scores both = loaded.scorer(manager, 9).score(images, 6, 0);
        LikelihoodScorer.Scores alone =
                new LikelihoodScorer(loaded.model(), manager, 9).score(images, 6, 0);
        double[] expected =
                net.surprise(manager.create(images, new Shape(6, 1, 8, 8)))
                        .toType(DataType.FLOAT64, false)
                        .toDoubleArray();
        assertArrayEquals(expected, both.orientation(), 1e-6);
        assertArrayEquals(alone.elboBitsPerDim(), both.elboBitsPerDim(), 0.0);
        assertTrue(alone.orientation() == null);
        assertArrayEquals(
                new double[] {both.orientation()[2], both.orientation()[3]},
                both.slice(2, 4).orientation(),
                0.0);
    }

    @Test
    void orientationNetworkMustTakeTheModelsImages() {
        BundleException e =
                assertThrows(
                        BundleException.class,
                        () ->
                                BundleWriter.attachOrientation(
                                        bundle, orientationNet(manager, 4), Map.of()));
        assertTrue(e.getMessage().contains("1x4x4"), e.getMessage());
        assertFalse(Files.exists(bundle.resolve(ModelBundle.ORIENTATION)));
    }

    @Test
    void corruptedOrientationNetworkFailsTheBundleNamingItsFile() throws IOException {
        BundleWriter.attachOrientation(bundle, orientationNet(manager, 8), Map.of());
        assertCorruptedWeightsFailTheBundle(ModelBundle.ORIENTATION);
    }
}
