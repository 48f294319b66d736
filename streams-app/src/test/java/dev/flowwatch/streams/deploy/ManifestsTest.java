package dev.flowwatch.streams.deploy;

import static dev.flowwatch.streams.deploy.Kustomize.map;
import static dev.flowwatch.streams.deploy.Kustomize.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flowwatch.streams.config.AppConfig;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The k8s/ manifests, rendered: valid Kubernetes objects that fit the app (its settings, its
 * probes, its partitions) and each other (names, volumes, selectors).
 */
class ManifestsTest {

    /** Custom resources without a typed model here, and the fields each must have. */
    private static final Map<String, List<String>> CUSTOM_KINDS =
            Map.of(
                    "keda.sh/v1alpha1/ScaledObject",
                    List.of("scaleTargetRef", "minReplicaCount", "maxReplicaCount", "triggers"),
                    "keda.sh/v1alpha1/TriggerAuthentication",
                    List.of("secretTargetRef"));

    /** FlowwatchApp's close timeout: Kafka Streams' close, a batch in flight included. */
    private static final int APP_CLOSE_SECONDS = 20;

    static final List<String> kustomizations = Manifests.KUSTOMIZATIONS;
    static final List<String> overlays = Manifests.APP_OVERLAYS;

    /** Surefire's console counts skipped tests but does not say why: say it once here. */
    @BeforeAll
    static void sayWhyTheKubectlComparisonIsSkipped() {
        String whyNot = Kubectl.whyUnusable();
        if (whyNot != null) {
            System.err.println("ManifestsTest skips rendererAgreesWithKubectlKustomize: " + whyNot);
        }
    }

    @ParameterizedTest
    @FieldSource("kustomizations")
    void everyRenderedObjectIsAValidKubernetesObject(String kustomization) {
        List<Map<String, Object>> objects = Manifests.render(kustomization);
        assertFalse(objects.isEmpty());
        Set<String> ids = new HashSet<>();
        for (Map<String, Object> o : objects) {
            String id = o.get("apiVersion") + "/" + o.get("kind") + "/" + Kustomize.name(o);
            assertTrue(ids.add(id), "one object per kind and name: " + id);
            HasMetadata typed = Serialization.unmarshal(json(o));
            assertNotNull(typed.getMetadata().getName(), id);
            assertEquals("flowwatch", typed.getMetadata().getNamespace(), id);
            assertEquals(
                    "flowwatch",
                    typed.getMetadata().getLabels().get("app.kubernetes.io/part-of"),
                    id);
            List<String> required = CUSTOM_KINDS.get(o.get("apiVersion") + "/" + o.get("kind"));
            if (required != null) {
                assertInstanceOf(GenericKubernetesResource.class, typed, id);
                Map<String, Object> spec = map(o.get("spec"));
                required.forEach(f -> assertNotNull(spec.get(f), id + ": spec." + f));
            } else {
                assertFalse(
                        typed instanceof GenericKubernetesResource,
                        id + " is not a kind of the Kubernetes or Prometheus Operator model");
                List<String> unknown = new ArrayList<>();
                unknownFields(typed, id, unknown);
                assertEquals(List.of(), unknown, "fields the API does not have");
            }
        }
    }

    @ParameterizedTest
    @FieldSource("kustomizations")
    void rendererAgreesWithKubectlKustomize(String kustomization) throws Exception {
        String whyNot = Kubectl.whyUnusable();
        Assumptions.assumeTrue(whyNot == null, whyNot);
        Process p =
                new ProcessBuilder(
                                "kubectl",
                                "kustomize",
                                Manifests.K8S.resolve(kustomization).toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        Path file = Files.createTempFile("kustomize", ".yaml");
        Files.writeString(file, yaml);
        List<String> differences = new ArrayList<>();
        differences(
                byId(Kustomize.readObjects(file)),
                byId(Manifests.render(kustomization)),
                "",
                differences);
        assertEquals(List.of(), differences, "kubectl kustomize vs. this renderer");
    }

    @ParameterizedTest
    @FieldSource("overlays")
    void configHoldsOnlySettingsTheAppKnows(String overlay, @TempDir Path dir) throws IOException {
        List<Map<String, Object>> objects = Manifests.render(overlay);
        Path file = dir.resolve("flowwatch.properties");
        Properties properties = Manifests.appProperties(objects);
        try (var out = Files.newBufferedWriter(file)) {
            properties.store(out, null);
        }
        // Given as overrides, FLOWWATCH_* variables fail on an unknown key like the file does.
        AppConfig config = AppConfig.load(file, Map.of(), Manifests.envOverrides(objects));
        Map<String, Object> scorer = Manifests.scorer(objects);
        Map<String, String> mounts =
                maps(scorer.get("volumeMounts")).stream()
                        .collect(
                                Collectors.toMap(
                                        m -> (String) m.get("name"),
                                        m -> (String) m.get("mountPath")));
        assertTrue(config.modelDir().startsWith(mounts.get("models")), "model.dir on the volume");
        assertTrue(config.stateDir().startsWith(mounts.get("state")), "state.dir on the volume");
        assertEquals(
                config.metricsPort(),
                maps(scorer.get("ports")).get(0).get("containerPort"),
                "metrics.port");
        assertEquals(
                "/etc/flowwatch/flowwatch.properties",
                mounts.get("config") + "/flowwatch.properties");
        assertTrue(
                ((List<?>) scorer.get("args"))
                        .contains(mounts.get("config") + "/flowwatch.properties"));
    }

    @ParameterizedTest
    @FieldSource("overlays")
    void autoscalingFollowsConsumerLagAndStopsAtThePartitionCount(String overlay) {
        List<Map<String, Object>> objects = Manifests.render(overlay);
        Properties app = Manifests.effectiveSettings(objects);
        Map<String, Object> spec =
                map(Manifests.only(objects, "ScaledObject", "flowwatch").get("spec"));
        Map<String, Object> target = map(spec.get("scaleTargetRef"));
        assertEquals("StatefulSet", target.get("kind"));
        assertEquals("flowwatch", target.get("name"));
        int partitions = Integer.parseInt(app.getProperty("topics.partitions"));
        int threads = Integer.parseInt(app.getProperty("num.stream.threads"));
        int max = (Integer) spec.get("maxReplicaCount");
        assertTrue(max * threads <= partitions, max + " replicas x " + threads + " threads");
        assertTrue((Integer) spec.get("minReplicaCount") >= 1);
        StatefulSet statefulSet =
                Serialization.unmarshal(json(Manifests.only(objects, "StatefulSet", "flowwatch")));
        // the HPA owns the count: a replicas field would reset it on every apply
        assertNull(statefulSet.getSpec().getReplicas());
        Map<String, Object> trigger = maps(spec.get("triggers")).get(0);
        assertEquals("kafka", trigger.get("type"));
        Map<String, Object> kafka = map(trigger.get("metadata"));
        assertEquals(app.getProperty("application.id"), kafka.get("consumerGroup"));
        assertEquals(app.getProperty("topic.images"), kafka.get("topic"));
        assertEquals(app.getProperty("bootstrap.servers"), kafka.get("bootstrapServers"));
        assertEquals("false", kafka.get("allowIdleConsumers"));
        String auth = (String) map(trigger.get("authenticationRef")).get("name");
        Map<String, Object> secret = Kustomize.readMap(Manifests.EXAMPLE_SECRET);
        for (Map<String, Object> ref :
                maps(
                        map(Manifests.only(objects, "TriggerAuthentication", auth).get("spec"))
                                .get("secretTargetRef"))) {
            assertEquals(Kustomize.name(secret), ref.get("name"));
            assertTrue(map(secret.get("stringData")).containsKey((String) ref.get("key")));
        }
    }

    @ParameterizedTest
    @FieldSource("overlays")
    void scorerPodIsProbedHardenedAndStopsInTime(String overlay) {
        List<Map<String, Object>> objects = Manifests.render(overlay);
        StatefulSet statefulSet =
                Serialization.unmarshal(json(Manifests.only(objects, "StatefulSet", "flowwatch")));
        PodSpec pod = statefulSet.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertEquals("/healthz", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/healthz", c.getStartupProbe().getHttpGet().getPath());
        assertEquals("/ready", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals("metrics", c.getReadinessProbe().getHttpGet().getPort().getStrVal());
        long preStop = c.getLifecycle().getPreStop().getSleep().getSeconds();
        assertTrue(
                pod.getTerminationGracePeriodSeconds() >= preStop + APP_CLOSE_SECONDS + 10,
                "grace period covers preStop, the app's close and a margin");
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertTrue(pod.getSecurityContext().getRunAsUser() > 0);
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertNotNull(c.getResources().getRequests().get("cpu"));
        assertNotNull(c.getResources().getLimits().get("memory"));
        assertTrue(
                statefulSet.getSpec().getVolumeClaimTemplates().stream()
                        .anyMatch(t -> t.getMetadata().getName().equals("state")));
        Map<String, Object> pdb = Manifests.only(objects, "PodDisruptionBudget", "flowwatch");
        assertEquals(
                statefulSet.getSpec().getSelector().getMatchLabels(),
                map(map(pdb.get("spec")).get("selector")).get("matchLabels"));
        Manifests.only(objects, "NetworkPolicy", "flowwatch");
    }

    /** Applying any kustomization must never replace the real credentials with placeholders. */
    @ParameterizedTest
    @FieldSource("kustomizations")
    void noKustomizationCarriesASecret(String kustomization) {
        assertTrue(
                Manifests.render(kustomization).stream()
                        .noneMatch(o -> "Secret".equals(o.get("kind"))),
                kustomization);
    }

    @ParameterizedTest
    @FieldSource("overlays")
    void theExampleSecretHoldsEveryKeyThePodReads(String overlay) {
        Map<String, Object> secret = Kustomize.readMap(Manifests.EXAMPLE_SECRET);
        assertEquals("Secret", secret.get("kind"));
        List<SecretKeySelector> refs =
                scorerPod(overlay).getContainers().get(0).getEnv().stream()
                        .filter(e -> e.getValueFrom() != null)
                        .map(e -> e.getValueFrom().getSecretKeyRef())
                        .filter(Objects::nonNull)
                        .toList();
        assertFalse(refs.isEmpty());
        refs.forEach(ref -> assertEquals(Kustomize.name(secret), ref.getName()));
        List<String> read = refs.stream().map(SecretKeySelector::getKey).toList();
        assertTrue(map(secret.get("stringData")).keySet().containsAll(read), read.toString());
    }

    /** Out of the pod only DNS and the brokers: no egress rule without a destination. */
    @Test
    void everyEgressRuleNamesWhereItGoes() {
        Map<String, Object> policy =
                Manifests.only(Manifests.render("base"), "NetworkPolicy", "flowwatch");
        List<Map<String, Object>> egress = maps(map(policy.get("spec")).get("egress"));
        assertEquals(2, egress.size(), "DNS and Kafka");
        for (Map<String, Object> rule : egress) {
            List<Map<String, Object>> to = maps(rule.get("to"));
            assertFalse(to.isEmpty(), "a rule without 'to' allows any address: " + rule);
            for (Map<String, Object> peer : to) {
                assertTrue(
                        peer.containsKey("namespaceSelector") || peer.containsKey("ipBlock"),
                        peer.toString());
            }
        }
        Map<String, Object> kafka = egress.get(1);
        assertTrue(maps(kafka.get("ports")).stream().anyMatch(p -> p.get("port").equals(9092)));
    }

    /** A JVM out of memory exits, so Kubernetes restarts it, instead of limping on half-dead. */
    @ParameterizedTest
    @FieldSource("kustomizations")
    void everyJvmExitsOnOutOfMemory(String kustomization) {
        List<Map<String, Object>> workloads =
                Manifests.render(kustomization).stream()
                        .filter(o -> List.of("StatefulSet", "Job").contains(o.get("kind")))
                        .toList();
        assertFalse(workloads.isEmpty());
        for (Map<String, Object> workload : workloads) {
            Map<String, Object> container =
                    maps(Manifests.podSpec(workload).get("containers")).get(0);
            String options = Manifests.literalEnv(container).get("JAVA_TOOL_OPTIONS");
            assertNotNull(options, Kustomize.name(workload));
            assertTrue(options.contains("-XX:+ExitOnOutOfMemoryError"), options);
        }
    }

    @Test
    void gpuOverlayAsksForOneGpuOnGpuNodesAndCpuOverlayForNone() {
        PodSpec gpu = scorerPod("overlays/gpu");
        Container c = gpu.getContainers().get(0);
        assertEquals(new Quantity("1"), c.getResources().getLimits().get("nvidia.com/gpu"));
        assertEquals("true", gpu.getNodeSelector().get("nvidia.com/gpu.present"));
        assertTrue(
                gpu.getTolerations().stream().anyMatch(t -> t.getKey().equals("nvidia.com/gpu")));
        assertTrue(c.getImage().startsWith("flowwatch-gpu:"), c.getImage());
        assertEquals(
                "gpu",
                Manifests.literalEnv(Manifests.scorer(Manifests.render("overlays/gpu")))
                        .get("FLOWWATCH_DEVICE"));
        PodSpec cpu = scorerPod("overlays/cpu");
        assertFalse(
                cpu.getContainers()
                        .get(0)
                        .getResources()
                        .getLimits()
                        .containsKey("nvidia.com/gpu"));
        assertTrue(cpu.getContainers().get(0).getImage().startsWith("flowwatch-cpu:"));
    }

    @Test
    void trainerJobWritesTheVolumeTheAppReadsOnOneGpu() {
        Job job =
                Serialization.unmarshal(
                        json(
                                Manifests.only(
                                        Manifests.render("trainer"), "Job", "flowwatch-train")));
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        Container trainer = pod.getContainers().get(0);
        assertEquals(new Quantity("1"), trainer.getResources().getLimits().get("nvidia.com/gpu"));
        assertTrue(trainer.getSecurityContext().getReadOnlyRootFilesystem());
        // the image's glibc settings are the scorer's, which fragment a training heap
        for (String scoringSetting :
                List.of("MALLOC_ARENA_MAX", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")) {
            int unset = trainer.getCommand().indexOf(scoringSetting);
            assertTrue(
                    unset > 0 && trainer.getCommand().get(unset - 1).equals("-u"),
                    trainer.getCommand().toString());
        }
        assertEquals("env", trainer.getCommand().get(0));
        String out = trainer.getArgs().get(trainer.getArgs().indexOf("--out") + 1);
        String claim = claimMountedAt(pod, trainer, out);
        PodSpec app = scorerPod("overlays/gpu");
        String modelDir =
                Manifests.appProperties(Manifests.render("overlays/gpu")).getProperty("model.dir");
        assertEquals(claim, claimMountedAt(app, app.getContainers().get(0), modelDir));
        assertTrue(
                app.getVolumes().stream()
                        .filter(v -> v.getPersistentVolumeClaim() != null)
                        .filter(v -> v.getPersistentVolumeClaim().getClaimName().equals(claim))
                        .allMatch(v -> v.getPersistentVolumeClaim().getReadOnly()),
                "the app mounts the models read-only");
        Manifests.only(Manifests.render("base"), "PersistentVolumeClaim", claim);
    }

    @Test
    void serviceMonitorScrapesTheMetricsPortOfTheScorerService() {
        List<Map<String, Object>> objects = Manifests.render("base");
        ServiceMonitor monitor =
                Serialization.unmarshal(
                        json(Manifests.only(objects, "ServiceMonitor", "flowwatch")));
        Map<String, Object> service = Manifests.only(objects, "Service", "flowwatch");
        Map<String, Object> labels = map(Kustomize.metadata(service).get("labels"));
        monitor.getSpec()
                .getSelector()
                .getMatchLabels()
                .forEach((k, v) -> assertEquals(v, labels.get(k), k));
        assertEquals("/metrics", monitor.getSpec().getEndpoints().get(0).getPath());
        String port = monitor.getSpec().getEndpoints().get(0).getPort();
        assertTrue(
                maps(map(service.get("spec")).get("ports")).stream()
                        .anyMatch(p -> port.equals(p.get("name"))));
    }

    @Test
    void prometheusRuleHasItsAlertsEachWithSeverityAndSummary() {
        PrometheusRule rule =
                Serialization.unmarshal(
                        json(
                                Manifests.only(
                                        Manifests.render("base"), "PrometheusRule", "flowwatch")));
        Map<String, Rule> alerts = new TreeMap<>();
        rule.getSpec()
                .getGroups()
                .forEach(g -> g.getRules().forEach(r -> alerts.put(r.getAlert(), r)));
        assertEquals(
                Set.of(
                        "FlowwatchNotReady",
                        "FlowwatchNoScores",
                        "FlowwatchConsumerLagHigh",
                        "FlowwatchDeadLettersHigh",
                        "FlowwatchAnomalyRateSpike",
                        "FlowwatchDown",
                        "FlowwatchPodRestarting",
                        "FlowwatchScoringFailed",
                        "FlowwatchStreamThreadsDying"),
                alerts.keySet());
        alerts.forEach(
                (name, r) -> {
                    assertFalse(r.getExpr().getStrVal().isBlank(), name);
                    assertNotNull(r.getFor(), name);
                    assertTrue(
                            Set.of("warning", "critical").contains(r.getLabels().get("severity")),
                            name);
                    assertNotNull(r.getAnnotations().get("summary"), name);
                    assertFalse(PromQl.metricNames(r.getExpr().getStrVal()).isEmpty(), name);
                });
    }

    private static PodSpec scorerPod(String overlay) {
        StatefulSet s =
                Serialization.unmarshal(
                        json(
                                Manifests.only(
                                        Manifests.render(overlay), "StatefulSet", "flowwatch")));
        return s.getSpec().getTemplate().getSpec();
    }

    /** The claim of the volume mounted at the longest mount path that holds {@code path}. */
    private static String claimMountedAt(PodSpec pod, Container container, String path) {
        var mount =
                container.getVolumeMounts().stream()
                        .filter(m -> Path.of(path).startsWith(m.getMountPath()))
                        .max((a, b) -> a.getMountPath().length() - b.getMountPath().length())
                        .orElseThrow(() -> new AssertionError("no volume holds " + path));
        return pod.getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow()
                .getPersistentVolumeClaim()
                .getClaimName();
    }

    static String json(Map<String, Object> o) {
        try {
            return Kustomize.JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Map<String, Object>> byId(List<Map<String, Object>> objects) {
        Map<String, Map<String, Object>> m = new TreeMap<>();
        objects.forEach(o -> m.put(o.get("kind") + "/" + Kustomize.name(o), o));
        return m;
    }

    /** Paths where two YAML trees differ, with kubectl's value first. */
    private static void differences(Object expected, Object actual, String path, List<String> out) {
        if (expected instanceof Map<?, ?> e && actual instanceof Map<?, ?> a) {
            Set<Object> keys = new java.util.TreeSet<>(Comparator.comparing(String::valueOf));
            keys.addAll(e.keySet());
            keys.addAll(a.keySet());
            keys.forEach(k -> differences(e.get(k), a.get(k), path + "/" + k, out));
        } else if (expected instanceof List<?> e
                && actual instanceof List<?> a
                && e.size() == a.size()) {
            for (int i = 0; i < e.size(); i++) {
                differences(e.get(i), a.get(i), path + "/" + i, out);
            }
        } else if (!java.util.Objects.equals(expected, actual)) {
            out.add(path + ": " + abbreviate(expected) + " != " + abbreviate(actual));
        }
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    /**
     * Fields the typed model did not know: fabric8 keeps them (and values of the wrong type) in
     * additionalProperties instead of failing, so every model object's map must be empty.
     */
    private static void unknownFields(Object node, String where, List<String> unknown) {
        if (node == null) {
            return;
        }
        if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                unknownFields(list.get(i), where + "[" + i + "]", unknown);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, where + "." + k, unknown));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : node.getClass().getMethods()) {
            if (m.getParameterCount() != 0
                    || Modifier.isStatic(m.getModifiers())
                    || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(node);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(where + ": " + extra.keySet());
                }
            } else if (!(node instanceof Quantity) && value != node) {
                unknownFields(value, where + "." + m.getName().substring(3), unknown);
            }
        }
    }
}
