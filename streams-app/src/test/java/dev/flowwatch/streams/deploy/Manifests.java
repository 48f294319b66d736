package dev.flowwatch.streams.deploy;

import static dev.flowwatch.streams.deploy.Kustomize.map;
import static dev.flowwatch.streams.deploy.Kustomize.maps;

import dev.flowwatch.streams.config.AppConfig;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** The k8s/ tree as the tests read it: kustomizations, rendered objects and PromQL expressions. */
final class Manifests {

    static final Path K8S = Path.of("..", "k8s");
    static final Path DASHBOARD = K8S.resolve("base/flowwatch-dashboard.json");

    /** The Secret the app needs, as an example outside every kustomization. */
    static final Path EXAMPLE_SECRET = K8S.resolve("examples/kafka-credentials.example.yaml");

    /** Every kustomization a user applies. */
    static final List<String> KUSTOMIZATIONS =
            List.of("base", "overlays/cpu", "overlays/gpu", "trainer");

    /** The app's overlays: what `kubectl apply -k` deploys. */
    static final List<String> APP_OVERLAYS = List.of("overlays/cpu", "overlays/gpu");

    private Manifests() {}

    static List<Map<String, Object>> render(String kustomization) {
        return Kustomize.render(K8S.resolve(kustomization));
    }

    static Map<String, Object> only(List<Map<String, Object>> objects, String kind, String name) {
        List<Map<String, Object>> found =
                objects.stream()
                        .filter(o -> kind.equals(o.get("kind")) && name.equals(Kustomize.name(o)))
                        .toList();
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " objects " + kind + "/" + name);
        }
        return found.get(0);
    }

    /** The app's settings file as the ConfigMap carries it. */
    static Properties appProperties(List<Map<String, Object>> objects) {
        Map<String, Object> data = map(only(objects, "ConfigMap", "flowwatch-config").get("data"));
        Properties p = new Properties();
        try {
            p.load(new StringReader((String) data.get("flowwatch.properties")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /**
     * The settings the scorer's literal {@code FLOWWATCH_*} variables override, by their keys (as
     * {@link AppConfig} maps the names).
     */
    static Map<String, String> envOverrides(List<Map<String, Object>> objects) {
        Map<String, String> overrides = new LinkedHashMap<>();
        literalEnv(scorer(objects))
                .forEach(
                        (name, value) -> {
                            String key = AppConfig.keyOfEnvironmentVariable(name);
                            if (key != null) {
                                overrides.put(key, value);
                            }
                        });
        return overrides;
    }

    /** The app's settings as the scorer runs with them: its properties file, then its overrides. */
    static Properties effectiveSettings(List<Map<String, Object>> objects) {
        Properties p = appProperties(objects);
        p.putAll(envOverrides(objects));
        return p;
    }

    /** The scorer container of the app's StatefulSet. */
    static Map<String, Object> scorer(List<Map<String, Object>> objects) {
        return maps(podSpec(only(objects, "StatefulSet", "flowwatch")).get("containers")).get(0);
    }

    static Map<String, Object> podSpec(Map<String, Object> workload) {
        return map(map(map(workload.get("spec")).get("template")).get("spec"));
    }

    /** The container's literal environment variables (those not taken from a Secret). */
    static Map<String, String> literalEnv(Map<String, Object> container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> e : maps(container.get("env"))) {
            if (e.get("value") != null) {
                env.put((String) e.get("name"), (String) e.get("value"));
            }
        }
        return env;
    }

    /** Every PromQL expression of the PrometheusRule and of the dashboard's panels. */
    static List<String> expressions() {
        List<String> exprs = new ArrayList<>();
        Map<String, Object> rule =
                only(
                        Kustomize.readObjects(K8S.resolve("base/prometheusrule.yaml")),
                        "PrometheusRule",
                        "flowwatch");
        for (Map<String, Object> group : maps(map(rule.get("spec")).get("groups"))) {
            for (Map<String, Object> r : maps(group.get("rules"))) {
                exprs.add((String) r.get("expr"));
            }
        }
        Map<String, Object> dashboard = dashboard();
        for (Map<String, Object> panel : maps(dashboard.get("panels"))) {
            for (Map<String, Object> target : maps(panel.get("targets"))) {
                exprs.add((String) target.get("expr"));
            }
        }
        for (Map<String, Object> variable : maps(map(dashboard.get("templating")).get("list"))) {
            if (variable.get("definition") instanceof String definition) {
                exprs.add(definition.replaceAll("^label_values\\((.*),\\s*\\w+\\)$", "$1"));
            }
        }
        return exprs;
    }

    static Map<String, Object> dashboard() {
        try {
            return map(Kustomize.JSON.readValue(DASHBOARD.toFile(), Map.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
