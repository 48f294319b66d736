package dev.flowwatch.flowpp.bundle;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import dev.flowwatch.flowpp.model.FlowConfig;
import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.model.LikelihoodScorer;
import dev.flowwatch.flowpp.orientation.OrientationConfig;
import dev.flowwatch.flowpp.orientation.OrientationNet;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A model on disk: one directory with {@code bundle.json} (architecture, identity, metrics, the
 * checksum of the weights) and {@code parameters.bin} (DJL's parameter format), plus any files the
 * writer adds (training curves, samples, the state needed to resume training).
 *
 * <p>Loading verifies everything it can before building the model, so that a missing, truncated,
 * corrupted or mismatched bundle fails with a message naming the file and the problem.
 */
public final class ModelBundle {

    public static final String FORMAT = "flowwatch-model-bundle";
    public static final int FORMAT_VERSION = 1;
    public static final String MANIFEST = "bundle.json";
    public static final String PARAMETERS = "parameters.bin";

    /**
     * Sub-directory holding the background model of the likelihood-ratio score, itself a complete
     * bundle (manifest and weights, no training state).
     */
    public static final String BACKGROUND = "background";

    /**
     * Sub-directory holding the orientation network of score kind dose ({@link OrientationNet}):
     * {@value OrientationManifest#FILE} and {@value #PARAMETERS}.
     */
    public static final String ORIENTATION = "orientation";

    static final Gson GSON =
            new GsonBuilder()
                    .setPrettyPrinting()
                    .disableHtmlEscaping()
                    .serializeSpecialFloatingPointValues()
                    .create();

    private final Path directory;
    private final BundleManifest manifest;
    private final FlowPlusPlus model;
    private final ModelBundle background;
    private final OrientationManifest orientationManifest;
    private final OrientationNet orientation;

    private ModelBundle(
            Path directory,
            BundleManifest manifest,
            FlowPlusPlus model,
            ModelBundle background,
            OrientationManifest orientationManifest,
            OrientationNet orientation) {
        this.directory = directory;
        this.manifest = manifest;
        this.model = model;
        this.background = background;
        this.orientationManifest = orientationManifest;
        this.orientation = orientation;
    }

    public Path directory() {
        return directory;
    }

    public BundleManifest manifest() {
        return manifest;
    }

    public FlowPlusPlus model() {
        return model;
    }

    /** The background model stored in {@value #BACKGROUND}/, if the bundle has one. */
    public Optional<ModelBundle> background() {
        return Optional.ofNullable(background);
    }

    /** The orientation network stored in {@value #ORIENTATION}/, if the bundle has one. */
    public Optional<OrientationNet> orientation() {
        return Optional.ofNullable(orientation);
    }

    /** The manifest of {@link #orientation()}, as loaded with it. */
    public Optional<OrientationManifest> orientationManifest() {
        return Optional.ofNullable(orientationManifest);
    }

    /**
     * A scorer of the model and, when the bundle has them, its background model and its orientation
     * network.
     *
     * @param seed seed of the dequantization noise (each image's a function of it and the image)
     */
    public LikelihoodScorer scorer(NDManager manager, int seed) {
        return new LikelihoodScorer(
                        model, background == null ? null : background.model, manager, seed)
                .withOrientation(orientation);
    }

    /** The manifest of the background model in {@code directory}, without loading weights. */
    public static Optional<BundleManifest> readBackgroundManifest(Path directory) {
        Path dir = directory.resolve(BACKGROUND);
        return Files.isRegularFile(dir.resolve(MANIFEST))
                ? Optional.of(readManifest(dir))
                : Optional.empty();
    }

    /** The manifest of the orientation network in {@code directory}, without loading weights. */
    public static Optional<OrientationManifest> readOrientationManifest(Path directory) {
        Path file = directory.resolve(ORIENTATION).resolve(OrientationManifest.FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        OrientationManifest manifest;
        try {
            manifest =
                    GSON.fromJson(
                            Files.readString(file, StandardCharsets.UTF_8),
                            OrientationManifest.class);
        } catch (IOException e) {
            throw new BundleException(file, "unreadable: " + e.getMessage(), e);
        } catch (JsonParseException | IllegalArgumentException e) {
            throw new BundleException(
                    file, "not a valid orientation manifest: " + e.getMessage(), e);
        }
        if (manifest == null
                || !OrientationManifest.FORMAT.equals(manifest.format())
                || manifest.formatVersion() != OrientationManifest.FORMAT_VERSION
                || manifest.config() == null
                || manifest.version() == null
                || manifest.parametersSha256() == null) {
            throw new BundleException(
                    file,
                    "not a "
                            + OrientationManifest.FORMAT
                            + " manifest of version "
                            + OrientationManifest.FORMAT_VERSION
                            + " with config, version and parametersSha256");
        }
        return Optional.of(manifest);
    }

    /** Fails unless the model takes images of this shape, naming both shapes. */
    public ModelBundle requireInputShape(int channels, int height, int width) {
        var c = manifest.config();
        if (c.channels() != channels || c.height() != height || c.width() != width) {
            throw new BundleException(
                    directory.resolve(MANIFEST),
                    String.format(
                            "model takes %dx%dx%d (CxHxW) images, but %dx%dx%d are required here",
                            c.channels(), c.height(), c.width(), channels, height, width));
        }
        return this;
    }

    /**
     * Reads and verifies a bundle and builds its model on the manager's device, with its background
     * model when it has one.
     */
    public static ModelBundle load(Path directory, NDManager manager) {
        ModelBundle main = loadOne(directory, manager);
        Path backgroundDir = directory.resolve(BACKGROUND);
        ModelBundle background = null;
        if (Files.isRegularFile(backgroundDir.resolve(MANIFEST))) {
            background = loadOne(backgroundDir, manager);
            requireSameImageShape(
                    main.manifest, background.manifest, backgroundDir.resolve(MANIFEST));
        }
        OrientationManifest orientation = readOrientationManifest(directory).orElse(null);
        return new ModelBundle(
                directory,
                main.manifest,
                main.model,
                background,
                orientation,
                orientation == null
                        ? null
                        : loadOrientation(directory, orientation, main.manifest, manager));
    }

    private static OrientationNet loadOrientation(
            Path directory, OrientationManifest m, BundleManifest model, NDManager manager) {
        Path dir = directory.resolve(ORIENTATION);
        requireSameImageShape(model.config(), m.config(), dir.resolve(OrientationManifest.FILE));
        Path parametersFile = dir.resolve(PARAMETERS);
        OrientationNet net = new OrientationNet(m.config());
        net.initialize(manager, DataType.FLOAT32);
        loadParameters(
                net,
                readParameters(parametersFile, m.parametersBytes(), m.parametersSha256()),
                parametersFile,
                OrientationManifest.FILE,
                manager);
        return net;
    }

    /**
     * Fails, naming {@code backgroundManifest}, unless the background model takes the images the
     * model takes: the likelihood ratio compares both on the same batch.
     */
    static void requireSameImageShape(
            BundleManifest model, BundleManifest background, Path backgroundManifest) {
        FlowConfig m = model.config();
        FlowConfig b = background.config();
        if (m.channels() != b.channels() || m.height() != b.height() || m.width() != b.width()) {
            throw new BundleException(
                    backgroundManifest,
                    String.format(
                            "the background model takes %dx%dx%d (CxHxW) images, the model"
                                    + " %dx%dx%d",
                            b.channels(),
                            b.height(),
                            b.width(),
                            m.channels(),
                            m.height(),
                            m.width()));
        }
    }

    /**
     * Fails, naming {@code file}, unless the orientation network takes the images the model takes:
     * it runs on the same batch.
     */
    static void requireSameImageShape(FlowConfig model, OrientationConfig network, Path file) {
        if (network.channels() != model.channels()
                || network.height() != model.height()
                || network.width() != model.width()) {
            throw new BundleException(
                    file,
                    String.format(
                            "the orientation network takes %dx%dx%d (CxHxW) images, the model"
                                    + " %dx%dx%d",
                            network.channels(),
                            network.height(),
                            network.width(),
                            model.channels(),
                            model.height(),
                            model.width()));
        }
    }

    private static ModelBundle loadOne(Path directory, NDManager manager) {
        BundleManifest manifest = readManifest(directory);
        Path parametersFile = directory.resolve(PARAMETERS);
        byte[] parameters = readParameters(parametersFile, manifest);
        FlowPlusPlus model = new FlowPlusPlus(manifest.config());
        model.initialize(manager, DataType.FLOAT32);
        loadParameters(model, parameters, parametersFile, MANIFEST, manager);
        return new ModelBundle(directory, manifest, model, null, null, null);
    }

    /**
     * Loads {@code parameters} into an initialised block, checking every array's shape: DJL loads
     * arrays of any shape into a parameter, and a mismatch would surface later as a crash.
     *
     * @param manifestName the manifest that describes the architecture, for messages
     */
    private static void loadParameters(
            Block block,
            byte[] parameters,
            Path parametersFile,
            String manifestName,
            NDManager manager) {
        Map<String, Shape> expected = new LinkedHashMap<>();
        Map<Parameter, NDArray> initial = new IdentityHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            expected.put(p.getKey(), p.getValue().getArray().getShape());
            initial.put(p.getValue(), p.getValue().getArray());
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters))) {
            block.loadParameters(manager, in);
            // DJL's Parameter.load swaps in the decoded arrays and leaves the initial ones on the
            // manager: without this, a loaded model would hold its weights twice until closed
            initial.forEach(
                    (parameter, array) -> {
                        if (parameter.getArray() != array) {
                            array.close();
                        }
                    });
        } catch (IOException | MalformedModelException | IllegalArgumentException e) {
            throw new BundleException(
                    parametersFile,
                    "does not match the architecture in " + manifestName + ": " + e.getMessage(),
                    e);
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            Shape loaded = p.getValue().getArray().getShape();
            if (!loaded.equals(expected.get(p.getKey()))) {
                throw new BundleException(
                        parametersFile,
                        "does not match the architecture in "
                                + manifestName
                                + ": parameter "
                                + p.getKey()
                                + " has shape "
                                + loaded
                                + ", the architecture needs "
                                + expected.get(p.getKey()));
            }
        }
    }

    /** Reads and verifies only {@code bundle.json}. */
    public static BundleManifest readManifest(Path directory) {
        if (!Files.isDirectory(directory)) {
            Path previous = BundleWriter.previousOf(directory);
            throw new BundleException(
                    directory,
                    Files.isDirectory(previous)
                            ? "missing: a bundle write was interrupted; the previous bundle is"
                                    + " intact at "
                                    + previous
                            : "no model bundle here (directory does not exist)");
        }
        Path file = directory.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new BundleException(file, "missing: not a model bundle, or an incomplete one");
        }
        BundleManifest manifest;
        try {
            manifest =
                    GSON.fromJson(
                            Files.readString(file, StandardCharsets.UTF_8), BundleManifest.class);
        } catch (IOException e) {
            throw new BundleException(file, "unreadable: " + e.getMessage(), e);
        } catch (JsonParseException | IllegalArgumentException e) {
            throw new BundleException(file, "not a valid bundle manifest: " + e.getMessage(), e);
        }
        if (manifest == null || !FORMAT.equals(manifest.format())) {
            throw new BundleException(
                    file,
                    "not a flowwatch model bundle manifest (format is "
                            + (manifest == null ? "empty" : manifest.format())
                            + ")");
        }
        if (manifest.formatVersion() != FORMAT_VERSION) {
            throw new BundleException(
                    file,
                    "bundle format version "
                            + manifest.formatVersion()
                            + " is not supported; this flowwatch reads version "
                            + FORMAT_VERSION);
        }
        if (manifest.config() == null || manifest.parametersSha256() == null) {
            throw new BundleException(
                    file, "incomplete manifest: config and parametersSha256 are required");
        }
        return manifest;
    }

    static byte[] readParameters(Path file, BundleManifest manifest) {
        return readParameters(file, manifest.parametersBytes(), manifest.parametersSha256());
    }

    /** The weights in {@code file}, verified against the size and checksum a manifest gives. */
    static byte[] readParameters(Path file, long expectedBytes, String expectedSha256) {
        if (!Files.isRegularFile(file)) {
            throw new BundleException(file, "missing: the bundle has no weights");
        }
        byte[] bytes;
        try {
            // the size first: a file swapped for a huge one must not be read into memory whole
            long size = Files.size(file);
            if (size != expectedBytes) {
                throw new BundleException(
                        file,
                        String.format(
                                "truncated or altered: %d bytes, the manifest says %d",
                                size, expectedBytes));
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BundleException(file, "unreadable: " + e.getMessage(), e);
        }
        String actual = sha256(bytes);
        if (!actual.equals(expectedSha256)) {
            throw new BundleException(
                    file,
                    "corrupted: SHA-256 is " + actual + ", the manifest says " + expectedSha256);
        }
        return bytes;
    }

    /** A model's or network's parameters in DJL's format. */
    public static byte[] serializeParameters(Block model) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            model.saveParameters(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** SHA-256 of {@code bytes}, in hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
