package dev.flowwatch.streams;

import dev.flowwatch.streams.config.AppConfig;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The app in a process of its own, whose forward pass ends the process, as a native crash does,
 * when its batch holds an all-white image: what no real model does on demand. Started by tests with
 * the test class path and a settings file; exits {@value #DEATH} when it dies so.
 */
public final class DyingOnWhiteApp {

    public static final int DEATH = 134;

    private DyingOnWhiteApp() {}

    public static void main(String[] args) {
        AppConfig config = AppConfig.load(Path.of(args[0]), Map.of(), Map.of());
        FlowwatchApp app =
                FlowwatchApp.start(
                        config,
                        new PrometheusRegistry(),
                        engine ->
                                images -> {
                                    for (byte[] image : images) {
                                        if (isWhite(image)) {
                                            Runtime.getRuntime().halt(DEATH);
                                        }
                                    }
                                    return engine.score(images);
                                });
        app.stopped().join();
    }

    private static boolean isWhite(byte[] image) {
        byte[] white = new byte[image.length];
        Arrays.fill(white, (byte) 255);
        return Arrays.equals(image, white);
    }
}
