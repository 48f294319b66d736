package dev.flowwatch.flowpp.bundle;

import dev.flowwatch.flowpp.model.FlowPlusPlus;
import dev.flowwatch.flowpp.orientation.OrientationNet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a bundle atomically: every file goes into a hidden sibling directory, is flushed to disk,
 * and the directory then replaces the target by renames. A crash leaves either the previous bundle
 * or the new one, never a mixture (at worst a stale hidden directory, removed by the next write).
 */
public final class BundleWriter {

    private final Path target;
    private final String modelId;
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private boolean keepModelsOfItsOwn;
    private final Map<String, Object> metrics = new LinkedHashMap<>();

    public BundleWriter(Path target, String modelId) {
        this.target = target.toAbsolutePath().normalize();
        this.modelId = modelId;
    }

    /** Adds a file at a path relative to the bundle (e.g. "training/state.json"). */
    /**
     * Keeps the background model and orientation network of the bundle written over, models of
     * their own found nowhere else: for a run that goes on in its own folder (a resumed training),
     * not for a new one over an old bundle, whose parts belong to other weights, maybe of another
     * image shape.
     */
    public BundleWriter keepingModelsOfItsOwn() {
        keepModelsOfItsOwn = true;
        return this;
    }

    public BundleWriter file(String relativePath, byte[] content) {
        if (relativePath.equals(ModelBundle.MANIFEST)
                || relativePath.equals(ModelBundle.PARAMETERS)) {
            throw new IllegalArgumentException(relativePath + " is written by the bundle itself");
        }
        files.put(relativePath, content.clone());
        return this;
    }

    public BundleWriter metric(String name, Object value) {
        metrics.put(name, value);
        return this;
    }

    /**
     * Writes the model's current weights with everything added so far; returns the manifest
     * written.
     *
     * <p>Waits for another writer of the bundle, if any ({@link BundleLock}).
     */
    public BundleManifest write(FlowPlusPlus model) {
        byte[] parameters = ModelBundle.serializeParameters(model);
        Stamp stamp = Stamp.of(parameters);
        BundleManifest manifest =
                new BundleManifest(
                        ModelBundle.FORMAT,
                        ModelBundle.FORMAT_VERSION,
                        modelId,
                        stamp.version(),
                        stamp.createdAt(),
                        model.config(),
                        stamp.sha256(),
                        parameters.length,
                        new LinkedHashMap<>(metrics));
        byte[] manifestJson = ModelBundle.GSON.toJson(manifest).getBytes(StandardCharsets.UTF_8);
        requireReplaceable(target); // before the lock: a refused write leaves nothing behind
        return BundleLock.holding(
                target,
                true,
                () -> {
                    Map<String, byte[]> all =
                            keepModelsOfItsOwn
                                    ? keptParts(target.toAbsolutePath().normalize())
                                    : new LinkedHashMap<>();
                    all.putAll(files);
                    install(target, parameters, manifestJson, all);
                    return manifest;
                });
    }

    /**
     * What a new version of a bundle's weights keeps of the bundle it replaces ({@link
     * #keepingModelsOfItsOwn}): its background model and its orientation network, trained apart
     * from these weights. What describes the old weights (the calibration, reports) goes.
     */
    private static Map<String, byte[]> keptParts(Path target) {
        Map<String, byte[]> kept = new LinkedHashMap<>();
        for (String part : List.of(ModelBundle.BACKGROUND, ModelBundle.ORIENTATION)) {
            if (Files.isDirectory(target.resolve(part))
                    && Files.exists(target.resolve(ModelBundle.MANIFEST))) {
                kept.putAll(filesUnder(target, target.resolve(part)));
            }
        }
        return kept;
    }

    /** Every file under {@code dir}, by its path relative to {@code bundle} with '/'. */
    private static Map<String, byte[]> filesUnder(Path bundle, Path dir) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                files.put(
                        bundle.relativize(file).toString().replace('\\', '/'),
                        Files.readAllBytes(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "reading model bundle " + dir + ": " + e.getMessage(), e);
        }
        return files;
    }

    /**
     * Rewrites the bundle in {@code bundleDir} with {@code added} files (new, or replacing files of
     * the same path), keeping its weights, its {@code bundle.json} and its other files byte for
     * byte: the model's identity and version do not change. Atomic as {@link #write}, and, as it,
     * one writer at a time ({@link BundleLock}).
     *
     * @throws BundleException if the bundle is missing or its weights do not match the manifest
     * @throws BundleException if another writer is writing the bundle
     */
    public static void addFiles(Path bundleDir, Map<String, byte[]> added) {
        addFiles(bundleDir, added, null);
    }

    /**
     * As {@link #addFiles(Path, Map)}, for files that describe weights of version {@code
     * forVersion}: refused if the bundle's weights changed since they were read (a checkpoint of a
     * training run written meanwhile).
     *
     * @throws BundleException if the bundle's weights are of another version
     */
    public static void addFiles(Path bundleDir, Map<String, byte[]> added, String forVersion) {
        BundleLock.holding(
                bundleDir,
                false,
                () -> {
                    rewriteWith(bundleDir.toAbsolutePath().normalize(), added, forVersion);
                    return null;
                });
    }

    private static void rewriteWith(Path dir, Map<String, byte[]> added, String forVersion) {
        BundleManifest manifest = ModelBundle.readManifest(dir);
        if (forVersion != null && !forVersion.equals(manifest.modelVersion())) {
            throw new BundleException(
                    dir.resolve(ModelBundle.MANIFEST),
                    "the weights are now of version "
                            + manifest.modelVersion()
                            + ", not "
                            + forVersion
                            + " as when they were read (a checkpoint was written meanwhile);"
                            + " nothing was added, run it again");
        }
        byte[] parameters =
                ModelBundle.readParameters(dir.resolve(ModelBundle.PARAMETERS), manifest);
        Map<String, byte[]> files = filesUnder(dir, dir);
        files.remove(ModelBundle.MANIFEST);
        files.remove(ModelBundle.PARAMETERS);
        files.putAll(added);
        try {
            install(dir, parameters, Files.readAllBytes(dir.resolve(ModelBundle.MANIFEST)), files);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "rewriting model bundle " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Puts the background model in {@code backgroundDir} into the bundle in {@code bundleDir} as
     * its {@value ModelBundle#BACKGROUND}/ directory (manifest and weights only), replacing any
     * background it had; atomic as {@link #addFiles}. The bytes written are the bytes verified.
     *
     * @return the background's manifest
     * @throws BundleException if either bundle is missing or broken, the background was not trained
     *     as one (no {@value BundleManifest#MUTATION_RATE} metric), or the image shapes differ
     */
    public static BundleManifest attachBackground(Path bundleDir, Path backgroundDir) {
        BundleManifest background = requireBackgroundFor(bundleDir, backgroundDir);
        byte[] parameters =
                ModelBundle.readParameters(
                        backgroundDir.resolve(ModelBundle.PARAMETERS), background);
        addDirectory(
                bundleDir, ModelBundle.BACKGROUND, ModelBundle.MANIFEST, background, parameters);
        return background;
    }

    /**
     * Puts an orientation network's weights into the bundle in {@code bundleDir} as its {@value
     * ModelBundle#ORIENTATION}/ directory, replacing any it had; atomic as {@link #addFiles}.
     *
     * @param metrics training metrics and provenance for its manifest
     * @return the manifest written; its version identifies these weights
     * @throws BundleException if the bundle is missing or broken, or takes other images than the
     *     network
     */
    public static OrientationManifest attachOrientation(
            Path bundleDir, OrientationNet net, Map<String, Object> metrics) {
        ModelBundle.requireSameImageShape(
                ModelBundle.readManifest(bundleDir).config(),
                net.config(),
                bundleDir.resolve(ModelBundle.MANIFEST));
        byte[] parameters = ModelBundle.serializeParameters(net);
        Stamp stamp = Stamp.of(parameters);
        OrientationManifest manifest =
                new OrientationManifest(
                        OrientationManifest.FORMAT,
                        OrientationManifest.FORMAT_VERSION,
                        stamp.version(),
                        stamp.createdAt(),
                        net.config(),
                        stamp.sha256(),
                        parameters.length,
                        new LinkedHashMap<>(metrics));
        addDirectory(
                bundleDir, ModelBundle.ORIENTATION, OrientationManifest.FILE, manifest, parameters);
        return manifest;
    }

    /**
     * Puts a sub-directory of a manifest and weights into the bundle, replacing the one it had;
     * atomic as {@link #addFiles}.
     */
    private static void addDirectory(
            Path bundleDir,
            String directory,
            String manifestFile,
            Object manifest,
            byte[] weights) {
        String dir = directory + "/";
        addFiles(
                bundleDir,
                Map.of(
                        dir + manifestFile,
                        ModelBundle.GSON.toJson(manifest).getBytes(StandardCharsets.UTF_8),
                        dir + ModelBundle.PARAMETERS,
                        weights));
    }

    /**
     * The manifest of the background model in {@code backgroundDir}, checked as {@link
     * #attachBackground} checks it, without writing anything.
     *
     * @throws BundleException as {@link #attachBackground} does
     */
    public static BundleManifest requireBackgroundFor(Path bundleDir, Path backgroundDir) {
        BundleManifest main = ModelBundle.readManifest(bundleDir);
        BundleManifest background = ModelBundle.readManifest(backgroundDir);
        Path manifestFile = backgroundDir.resolve(ModelBundle.MANIFEST);
        if (background.metrics() == null
                || !background.metrics().containsKey(BundleManifest.MUTATION_RATE)) {
            throw new BundleException(
                    manifestFile,
                    "not a background model: it was not trained with 'train --background' (no "
                            + BundleManifest.MUTATION_RATE
                            + " in its metrics)");
        }
        ModelBundle.requireSameImageShape(main, background, manifestFile);
        return background;
    }

    /**
     * The identity of weights written now: their SHA-256, the time of writing (ISO-8601, whole
     * seconds) and the version made of both (the time plus a checksum prefix).
     */
    private record Stamp(String sha256, String createdAt, String version) {
        static Stamp of(byte[] weights) {
            String sha = ModelBundle.sha256(weights);
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            return new Stamp(sha, now.toString(), now + "-" + sha.substring(0, 12));
        }
    }

    /**
     * Refuses a target that a write would destroy: writing replaces the whole directory, so it must
     * be absent, empty or a bundle already (a checkpoint being overwritten), never a folder of
     * something else given by mistake ({@code --out data}) or the file system's root.
     *
     * @throws IllegalArgumentException naming the target and why
     */
    public static void requireReplaceable(Path target) {
        Path dir = target.toAbsolutePath().normalize();
        if (dir.getParent() == null) {
            throw new IllegalArgumentException(
                    dir + " is the file system's root: a bundle needs a directory of its own");
        }
        if (!Files.exists(dir) || Files.isRegularFile(dir.resolve(ModelBundle.MANIFEST))) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                    dir + " is a file, not a directory: a bundle needs a directory of its own");
        }
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException(
                        dir
                                + " holds files and no "
                                + ModelBundle.MANIFEST
                                + ": writing a bundle there would replace them; choose a new or"
                                + " empty directory");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Where a write keeps the bundle it replaces until the new one is in place: after a crash
     * between the two renames, the bundle is there and the target is missing.
     */
    public static Path previousOf(Path target) {
        Path dir = target.toAbsolutePath().normalize();
        return dir.resolveSibling("." + dir.getFileName() + ".previous");
    }

    private static void install(
            Path target, byte[] parameters, byte[] manifestJson, Map<String, byte[]> files) {
        // replaceable: write() checked it, and rewriting reads the bundle's manifest first
        for (String name : files.keySet()) {
            if (name.equals(ModelBundle.MANIFEST) || name.equals(ModelBundle.PARAMETERS)) {
                throw new IllegalArgumentException(name + " is written by the bundle itself");
            }
        }
        Path parent = target.getParent();
        Path staging = parent.resolve("." + target.getFileName() + ".writing");
        Path previous = previousOf(target);
        try {
            Files.createDirectories(parent);
            Directories.deleteRecursively(staging);
            Files.createDirectories(staging);
            writeDurably(staging.resolve(ModelBundle.PARAMETERS), parameters);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path path = staging.resolve(f.getKey()).normalize();
                if (!path.startsWith(staging)) {
                    throw new IllegalArgumentException(
                            "bundle file outside the bundle: " + f.getKey());
                }
                Files.createDirectories(path.getParent());
                writeDurably(path, f.getValue());
            }
            // the manifest last: a staging directory without one is never mistaken for a bundle
            writeDurably(staging.resolve(ModelBundle.MANIFEST), manifestJson);
            Directories.deleteRecursively(previous);
            if (Files.exists(target)) {
                move(target, previous);
            }
            move(staging, target);
            Directories.deleteRecursively(previous);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "writing model bundle " + target + ": " + e.getMessage(), e);
        }
    }

    private static void writeDurably(Path file, byte[] content) throws IOException {
        try (FileChannel channel =
                FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(content));
            channel.force(true);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }
}
