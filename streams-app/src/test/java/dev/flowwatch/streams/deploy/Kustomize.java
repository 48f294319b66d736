package dev.flowwatch.streams.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a kustomization the way {@code kubectl kustomize} does, for the subset k8s/ uses: {@code
 * resources} (files and directories), {@code namespace}, {@code labels} (metadata only), {@code
 * configMapGenerator} (files, fixed names), strategic-merge {@code patches} and {@code images}.
 * Anything else in a kustomization fails rather than being ignored, so the manifests cannot outgrow
 * the renderer unnoticed; {@code ManifestsTest} compares it with the real kustomize where kubectl
 * is installed.
 */
final class Kustomize {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private static final Set<String> SUPPORTED =
            Set.of(
                    "apiVersion",
                    "kind",
                    "namespace",
                    "labels",
                    "resources",
                    "configMapGenerator",
                    "patches",
                    "images");

    /** Kinds without a namespace that kustomize's namespace transformer must leave alone. */
    private static final Set<String> CLUSTER_SCOPED =
            Set.of(
                    "Namespace",
                    "ClusterRole",
                    "ClusterRoleBinding",
                    "CustomResourceDefinition",
                    "PersistentVolume",
                    "StorageClass",
                    "PriorityClass");

    /**
     * Strategic-merge keys of the lists k8s/ patches (Kubernetes' patchMergeKey); other lists are
     * replaced whole.
     */
    private static final Map<String, String> MERGE_KEYS =
            Map.of(
                    "containers", "name",
                    "initContainers", "name",
                    "env", "name",
                    "volumes", "name",
                    "volumeMounts", "mountPath",
                    "imagePullSecrets", "name");

    private Kustomize() {}

    /** The objects of the kustomization in {@code dir}, as YAML maps. */
    static List<Map<String, Object>> render(Path dir) {
        Map<String, Object> k = readMap(dir.resolve("kustomization.yaml"));
        for (String key : k.keySet()) {
            if (!SUPPORTED.contains(key)) {
                throw new UnsupportedOperationException(
                        dir + "/kustomization.yaml: '" + key + "' is not rendered by this helper");
            }
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        for (String resource : strings(k.get("resources"))) {
            Path p = dir.resolve(resource).normalize();
            if (Files.isDirectory(p)) {
                objects.addAll(render(p));
            } else {
                objects.addAll(readObjects(p));
            }
        }
        for (Map<String, Object> generator : maps(k.get("configMapGenerator"))) {
            objects.add(configMap(dir, generator));
        }
        for (Map<String, Object> patch : maps(k.get("patches"))) {
            applyPatch(dir, patch, objects);
        }
        for (Map<String, Object> label : maps(k.get("labels"))) {
            if (Boolean.TRUE.equals(label.get("includeSelectors"))
                    || Boolean.TRUE.equals(label.get("includeTemplates"))) {
                throw new UnsupportedOperationException("labels into selectors or templates");
            }
            Map<String, Object> pairs = map(label.get("pairs"));
            for (Map<String, Object> o : objects) {
                map(metadata(o).computeIfAbsent("labels", x -> new LinkedHashMap<>()))
                        .putAll(pairs);
            }
        }
        if (k.get("namespace") instanceof String namespace) {
            for (Map<String, Object> o : objects) {
                if (!CLUSTER_SCOPED.contains(o.get("kind"))) {
                    metadata(o).put("namespace", namespace);
                }
            }
        }
        for (Map<String, Object> image : maps(k.get("images"))) {
            objects.forEach(o -> setImages(o, image));
        }
        return objects;
    }

    static Map<String, Object> readMap(Path file) {
        try {
            return YAML.readValue(file.toFile(), new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every non-empty document of a multi-document YAML file. */
    static List<Map<String, Object>> readObjects(Path file) {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (var it =
                YAML.readerFor(new TypeReference<Map<String, Object>>() {})
                        .<Map<String, Object>>readValues(file.toFile())) {
            while (it.hasNext()) {
                Map<String, Object> doc = it.next();
                if (doc != null && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        return docs;
    }

    private static Map<String, Object> configMap(Path dir, Map<String, Object> generator) {
        Map<String, Object> options = map(generator.getOrDefault("options", Map.of()));
        if (!Boolean.TRUE.equals(options.get("disableNameSuffixHash"))) {
            throw new UnsupportedOperationException(
                    "configMapGenerator " + generator.get("name") + ": name suffix hashes");
        }
        Map<String, Object> data = new LinkedHashMap<>();
        for (String file : strings(generator.get("files"))) {
            try {
                data.put(
                        Path.of(file).getFileName().toString(),
                        Files.readString(dir.resolve(file), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", generator.get("name"));
        if (options.get("labels") != null) {
            metadata.put("labels", new LinkedHashMap<>(map(options.get("labels"))));
        }
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("apiVersion", "v1");
        cm.put("kind", "ConfigMap");
        cm.put("metadata", metadata);
        cm.put("data", data);
        return cm;
    }

    private static void applyPatch(
            Path dir, Map<String, Object> patch, List<Map<String, Object>> objects) {
        if (patch.keySet().stream().anyMatch(key -> !key.equals("path"))) {
            throw new UnsupportedOperationException("patches other than a strategic-merge file");
        }
        Path file = dir.resolve((String) patch.get("path"));
        for (Map<String, Object> p : readObjects(file)) {
            Map<String, Object> target =
                    objects.stream()
                            .filter(
                                    o ->
                                            o.get("kind").equals(p.get("kind"))
                                                    && name(o).equals(name(p)))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new IllegalStateException(
                                                    file
                                                            + ": no "
                                                            + p.get("kind")
                                                            + " "
                                                            + name(p)));
            mergeInto(target, p);
        }
    }

    /** Kubernetes' strategic merge, for maps and the keyed lists of {@link #MERGE_KEYS}. */
    @SuppressWarnings("unchecked")
    private static void mergeInto(Map<String, Object> target, Map<String, Object> patch) {
        patch.forEach(
                (key, value) -> {
                    if (key.startsWith("$")) {
                        throw new UnsupportedOperationException("patch directive " + key);
                    }
                    Object old = target.get(key);
                    if (value == null) {
                        target.remove(key);
                    } else if (value instanceof Map<?, ?> m && old instanceof Map<?, ?> o) {
                        mergeInto((Map<String, Object>) o, (Map<String, Object>) m);
                    } else if (value instanceof List<?> l
                            && old instanceof List<?> o
                            && MERGE_KEYS.containsKey(key)) {
                        target.put(
                                key,
                                mergeList(
                                        (List<Map<String, Object>>) o,
                                        (List<Map<String, Object>>) l,
                                        MERGE_KEYS.get(key)));
                    } else {
                        target.put(key, value);
                    }
                });
    }

    /** As kustomize orders them: elements new to the list first, then the merged old ones. */
    private static List<Map<String, Object>> mergeList(
            List<Map<String, Object>> old, List<Map<String, Object>> patch, String mergeKey) {
        List<Map<String, Object>> merged = new ArrayList<>();
        for (Map<String, Object> p : patch) {
            if (old.stream().noneMatch(o -> o.get(mergeKey).equals(p.get(mergeKey)))) {
                merged.add(p);
            }
        }
        for (Map<String, Object> o : old) {
            patch.stream()
                    .filter(p -> p.get(mergeKey).equals(o.get(mergeKey)))
                    .findFirst()
                    .ifPresent(p -> mergeInto(o, p));
            merged.add(o);
        }
        return merged;
    }

    /** Kustomize's images transformer: containers whose image name matches get the new name/tag. */
    @SuppressWarnings("unchecked")
    private static void setImages(Object node, Map<String, Object> image) {
        if (node instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                if ((e.getKey().equals("containers") || e.getKey().equals("initContainers"))
                        && e.getValue() instanceof List<?> containers) {
                    for (Object c : containers) {
                        retag((Map<String, Object>) c, image);
                    }
                } else {
                    setImages(e.getValue(), image);
                }
            }
        } else if (node instanceof List<?> l) {
            l.forEach(x -> setImages(x, image));
        }
    }

    private static void retag(Map<String, Object> container, Map<String, Object> image) {
        String current = (String) container.get("image");
        int colon = current.lastIndexOf(':');
        String name = colon > current.lastIndexOf('/') ? current.substring(0, colon) : current;
        String tag = colon > current.lastIndexOf('/') ? current.substring(colon + 1) : null;
        if (!name.equals(image.get("name"))) {
            return;
        }
        String newName = (String) image.getOrDefault("newName", name);
        Object newTag = image.containsKey("newTag") ? image.get("newTag") : tag;
        container.put("image", newTag == null ? newName : newName + ":" + newTag);
    }

    static Map<String, Object> metadata(Map<String, Object> o) {
        return map(o.computeIfAbsent("metadata", x -> new LinkedHashMap<>()));
    }

    static String name(Map<String, Object> o) {
        return String.valueOf(metadata(o).get("name"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> maps(Object o) {
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }

    @SuppressWarnings("unchecked")
    static List<String> strings(Object o) {
        return o == null ? List.of() : (List<String>) o;
    }
}
