package dev.flowwatch.streams.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The kubectl on PATH, when it is new enough to check {@link Kustomize} against. */
final class Kubectl {

    /**
     * kubectl 1.27 embeds kustomize v5, whose output the renderer follows; k8s/ uses {@code
     * labels:}, which the kustomize of kubectl 1.21 and older (Debian's kubernetes-client is 1.20)
     * does not know at all.
     */
    static final int MIN_MINOR = 27;

    private static final Pattern GIT_VERSION =
            Pattern.compile("\"gitVersion\"\\s*:\\s*\"v(\\d+)\\.(\\d+)[^\"]*\"");

    private static final String WHY_UNUSABLE = probe();

    private Kubectl() {}

    /** Null when kubectl can be used, else why not, in words for the skipped test's report. */
    static String whyUnusable() {
        return WHY_UNUSABLE;
    }

    /** Why the version a {@code kubectl version --client -o json} printed is too old, or null. */
    static String whyTooOld(String versionJson) {
        Matcher m = GIT_VERSION.matcher(versionJson);
        if (!m.find()) {
            return "kubectl printed no version: " + versionJson.strip();
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (major > 1 || minor >= MIN_MINOR) {
            return null;
        }
        return "kubectl is v"
                + major
                + "."
                + minor
                + ", too old to compare with: its kustomize predates v5 (kubectl 1."
                + MIN_MINOR
                + " or newer needed)";
    }

    private static String probe() {
        Optional<Path> kubectl = onPath("kubectl");
        if (kubectl.isEmpty()) {
            return "kubectl is not on PATH (kubectl 1." + MIN_MINOR + " or newer needed)";
        }
        try {
            Process p =
                    new ProcessBuilder(kubectl.get().toString(), "version", "--client", "-o", "json")
                            .redirectErrorStream(true)
                            .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return kubectl.get() + " did not report its version within 30 s";
            }
            String tooOld = whyTooOld(out);
            return tooOld == null ? null : tooOld + " at " + kubectl.get();
        } catch (IOException e) {
            return kubectl.get() + " could not be run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while asking kubectl for its version";
        }
    }

    private static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        return path == null
                ? Optional.empty()
                : Arrays.stream(path.split(File.pathSeparator))
                        .map(d -> Path.of(d, command))
                        .filter(Files::isExecutable)
                        .findFirst();
    }
}
