package dev.flowwatch.streams.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The images (not built here: no Docker engine) agree with the manifests that run them: the user
 * the pods run as, the jars the app and the trainer Job call, the settings file the app reads.
 */
class DockerfilesTest {

    private static final Pattern USER = Pattern.compile("(?m)^USER (\\d+):(\\d+)$");

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void imageRunsAsThePodsUserAndHoldsTheJarsTheManifestsCall(String flavor) throws IOException {
        String dockerfile =
                Files.readString(Manifests.K8S.resolve("images/" + flavor + ".Dockerfile"));
        Matcher user = USER.matcher(dockerfile);
        assertTrue(user.find(), "a numeric non-root USER");
        StatefulSet app =
                Serialization.unmarshal(
                        ManifestsTest.json(
                                Manifests.only(
                                        Manifests.render("overlays/" + flavor),
                                        "StatefulSet",
                                        "flowwatch")));
        PodSpec pod = app.getSpec().getTemplate().getSpec();
        assertEquals(pod.getSecurityContext().getRunAsUser(), Long.parseLong(user.group(1)));
        assertEquals(pod.getSecurityContext().getRunAsGroup(), Long.parseLong(user.group(2)));
        assertTrue(
                dockerfile.contains(
                        "ENTRYPOINT [\"java\", \"-jar\", \"/opt/flowwatch/flowpp-streams.jar\"]"));
        List<String> args = pod.getContainers().get(0).getArgs();
        assertEquals("run", args.get(0));
        assertTrue(dockerfile.contains("CMD [\"run\", \"--config\", \"" + args.get(2) + "\"]"));
        Job trainer =
                Serialization.unmarshal(
                        ManifestsTest.json(
                                Manifests.only(
                                        Manifests.render("trainer"), "Job", "flowwatch-train")));
        List<String> command =
                trainer.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand();
        String trainerJar = command.get(command.indexOf("-jar") + 1);
        assertTrue(dockerfile.contains("/src/trainer/target/flowpp-trainer.jar " + trainerJar));
        assertTrue(dockerfile.contains("-Dai.djl.offline=true"));
        assertTrue(dockerfile.contains("-XX:+ExitOnOutOfMemoryError"), "no half-dead JVM");
        assertTrue(dockerfile.contains("DJL_CACHE_DIR=/tmp/djl"), "the cache on the /tmp volume");
        if (flavor.equals("gpu")) {
            assertTrue(dockerfile.contains("PYTORCH_FLAVOR=cu128"));
            assertTrue(dockerfile.contains("PYTORCH_VERSION=2.7.1"));
            assertTrue(dockerfile.contains("PYTORCH_LIBRARY_PATH=/opt/libtorch/lib"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo.sh", "bench-streams.sh"})
    void scriptsThatRunTheAppExitOnOutOfMemory(String script) throws IOException {
        String text = Files.readString(Manifests.K8S.resolveSibling("scripts").resolve(script));
        assertTrue(text.contains("exec java -XX:+ExitOnOutOfMemoryError"), script);
    }
}
